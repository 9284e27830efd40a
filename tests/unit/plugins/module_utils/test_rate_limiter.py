# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RateLimiter with a fake clock: spacing, sharing between threads, pauses."""

from __future__ import annotations

import threading

import pytest

from ansible_collections.mailops.ovh_hosting.plugins.module_utils.rate_limit import RateLimiter


class StillClock:
    """A clock that moves only when told; sleeps are recorded, not slept."""

    def __init__(self):
        self.now = 50.0
        self.sleeps = []
        self.lock = threading.Lock()

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.sleeps.append(seconds)


def test_requests_are_spaced_by_one_over_the_rate(fake_time):
    limiter = RateLimiter(4.0)
    for dummy in range(5):
        limiter.acquire()
    assert fake_time.sleeps == [0.25] * 4
    assert fake_time.now == 1001.0  # 5 requests at 4/s: the 5th leaves one second after the 1st


def test_idle_time_is_not_banked_into_a_burst(fake_time):
    limiter = RateLimiter(2.0)
    limiter.acquire()
    fake_time.now += 10
    limiter.acquire()
    limiter.acquire()
    assert fake_time.sleeps == [0.5]


def test_no_rate_means_no_wait(fake_time):
    limiter = RateLimiter(None)
    for dummy in range(100):
        limiter.acquire()
    assert fake_time.sleeps == []


def test_threads_share_one_budget():
    clock = StillClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for dummy in range(5):
            limiter.acquire()

    threads = [threading.Thread(target=worker) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 40 requests at 10/s from one instant: each got its own slot, 0.1 s apart, whatever the thread.
    assert sorted(round(s, 6) for s in clock.sleeps) == [round(0.1 * k, 6) for k in range(1, 40)]


def test_pause_holds_every_caller_then_the_rate_resumes(fake_time):
    limiter = RateLimiter(1.0)
    limiter.acquire()
    limiter.pause(30)
    limiter.acquire()
    limiter.acquire()
    assert fake_time.sleeps == [30, 1.0]


def test_pause_never_shortens_a_longer_pause(fake_time):
    limiter = RateLimiter(None)
    limiter.pause(30)
    limiter.pause(5)
    limiter.acquire()
    assert fake_time.sleeps == [30]


@pytest.mark.parametrize("rate", [0, -1])
def test_rate_must_be_positive(rate):
    with pytest.raises(ValueError, match="positive number of requests per second"):
        RateLimiter(rate)


def test_a_caller_sleeping_toward_its_slot_waits_out_a_pause_that_arrives_meanwhile(fake_time):
    limiter = RateLimiter(1.0)
    limiter.acquire()
    real_sleep = fake_time.sleep

    def sleep_while_another_thread_gets_a_429(seconds):
        real_sleep(seconds)
        if len(fake_time.sleeps) == 1:
            limiter.pause(30)  # at 1001.0, while this caller was on its way to its slot at 1001.0

    limiter._sleep = sleep_while_another_thread_gets_a_429  # pylint: disable=protected-access
    start = fake_time.now
    waited = limiter.acquire()
    assert fake_time.sleeps == [1.0, 30.0]
    assert waited == 31.0 and fake_time.now == start + 31.0


class Scheduler:
    """Threads on a simulated clock: time moves only when every thread sleeps (or is done), to the earliest wake-up,
    so that it stands still while they run. Once, the clock stalls (a loaded machine does not schedule the
    process): every thread due in the next ``stall`` seconds wakes late, at the same instant."""

    def __init__(self, stall_at, stall):
        self.now = 50.0
        self.cond = threading.Condition()
        self.sleeping = {}  # thread ident -> wake-up time
        self.running = 0
        self.stall_at, self.stall = stall_at, stall

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        me = threading.get_ident()
        with self.cond:
            self.sleeping[me] = self.now + seconds
            self.running -= 1
            self.cond.notify_all()
            while me in self.sleeping:
                self.cond.wait()

    def run(self, workers):
        threads = [threading.Thread(target=self._run, args=(work,)) for work in workers]
        with self.cond:
            self.running = len(threads)
        for thread in threads:
            thread.start()
        with self.cond:
            while self.running or self.sleeping:
                self.cond.wait_for(lambda: self.running == 0)
                if not self.sleeping:
                    break
                wake = min(self.sleeping.values())
                if self.stall_at is not None and wake >= self.stall_at:
                    wake, self.stall_at = wake + self.stall, None
                self.now = max(self.now, wake)
                for ident in [i for i, at in self.sleeping.items() if at <= self.now]:
                    del self.sleeping[ident]
                    self.running += 1
                self.cond.notify_all()
        for thread in threads:
            thread.join()

    def _run(self, work):
        try:
            work()
        finally:
            with self.cond:
                self.running -= 1
                self.cond.notify_all()


def busiest_second(times):
    times = sorted(times)
    return max(sum(1 for other in times if start <= other < start + 1) for start in times)


def test_threads_that_wake_late_together_do_not_go_in_a_burst():
    clock = Scheduler(stall_at=51.0, stall=1.5)
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    released = []

    def worker():
        for dummy in range(6):
            limiter.acquire()
            released.append(clock())

    clock.run([worker] * 8)
    assert len(released) == 48
    assert busiest_second(released) <= 11  # rate + 1, however late the threads woke
