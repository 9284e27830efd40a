# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A realistic fleet: hosting names, offers, states, 30 days of sent volumes, bounces with SMTP messages, and
queued mails on the hostings that do not send. Deterministic for a given seed."""
from __future__ import annotations

import random

from .bounces import bounce_message
from .clock import DAY, day_of, day_start
from .hosting import Hosting

PROFILES = ("mixed", "healthy")
MAX_FLEET = 100_000  # seeded hostings at most: a larger fleet is no longer a quick test
PREFIXES = ["shop", "blog", "agency", "crm", "booking", "forms", "news", "wiki", "immo", "resto", "asso", "photo",
            "dental", "garage", "hotel", "school", "club", "events", "jobs", "market"]
OFFERS = [("START", 15), ("PERSO", 45), ("PRO", 30), ("PERFORMANCE_1", 10)]
STATE_MIX = {
    "mixed": [("ok", 78), ("force", 5), ("ko", 7), ("bounce", 5), ("spam", 3), ("purging", 2)],
    "healthy": [("ok", 100)],
}
RECIPIENT_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "outlook.fr", "yahoo.fr", "laposte.net", "wanadoo.fr",
                     "sfr.fr", "icloud.com", "hotmail.fr"]
HISTORY_DAYS = 30


def seed_fleet(model, count: int, profile: str = "mixed", seed: int = 0) -> list[str]:
    """Add ``count`` hostings to the model; returns their names."""
    rng = random.Random(seed)
    now = model.sync()
    names = []
    labels = {existing.split(".")[0] for existing in model.hostings}
    states = _state_plan(rng, STATE_MIX[profile], count)
    number = 1
    while len(names) < count:
        prefix = PREFIXES[(number - 1) % len(PREFIXES)]
        label = f"{prefix}-{number}"
        name = f"{label}.cluster{rng.choice([21, 23, 25, 26, 27, 28, 100, 115]):03d}.hosting.ovh.net"
        number += 1
        if label in labels:
            continue
        labels.add(label)
        state = states[len(names)]
        # Each hosting draws its history from its own generator: how much history there is depends on the
        # time of day, and must not shift the names and states of the hostings after it.
        hosting = _history(random.Random(f"{seed}:{label}"), name, state, now)
        model.hostings[name] = hosting
        model.dirty.add(name)
        names.append(name)
        if state not in ("ok", "force"):
            hosting.state = "ko" if state == "purging" else state
            model.send(name, rng.randint(5, 400) if state == "spam" else rng.randint(1, 60),
                       recipients=rng.sample(RECIPIENT_DOMAINS, 3))
            if state == "purging":
                model.request_action(name, "PURGE")
    model.next_due = min(model.next_due, now)
    return names


def _state_plan(rng: random.Random, mix: list[tuple[str, int]], count: int) -> list[str]:
    """The states of ``count`` hostings in the mix's proportions, each state at least once when there is room,
    so that even a small demo fleet shows every state; shuffled."""
    total = sum(weight for _state, weight in mix)
    plan = []
    for state, weight in mix[1:]:
        plan += [state] * max(int(count * weight / total), 1 if count >= len(mix) else 0)
    plan = plan[:count]
    plan += [mix[0][0]] * (count - len(plan))
    rng.shuffle(plan)
    return plan


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([choice for choice, _weight in choices], [weight for _choice, weight in choices])[0]


def _history(rng: random.Random, name: str, state: str, now: float) -> Hosting:
    offer = _weighted(rng, OFFERS)
    hosting = Hosting(name, offer=offer, created=now - rng.randint(60, 2500) * DAY, state=state)
    label = name.split(".")[0]
    if rng.random() < 0.65:
        hosting.email = rng.choice([f"webmaster@{label}.fr", "ops@example.com", f"contact@{label}.com",
                                    "alerts@agence-web.fr"])
    daily = rng.choice([0, 2, 5, 10, 20, 40, 80, 150]) * (4 if offer == "PERFORMANCE_1" else 1)
    bounce_rate = {"bounce": rng.uniform(0.15, 0.35), "spam": rng.uniform(0.05, 0.2)}.get(state, rng.uniform(0, 0.03))
    today = day_of(now)
    older = rng.randint(0, 200) * max(daily, 1)
    hosting.sent, hosting.bounce = older, int(older * bounce_rate)
    for days_ago in range(HISTORY_DAYS, -1, -1):
        start = day_start(day_of(now - days_ago * DAY))
        end = now if days_ago == 0 else start + DAY
        spike = 30 if state == "spam" and days_ago <= 2 else 1
        volume = int(max(0, rng.gauss(daily, daily / 3)) * spike * (end - start) / DAY)
        day = day_of(start)
        hosting.volumes[day] = volume
        hosting.sent += volume
        bounced = sum(1 for _mail in range(min(volume, 500)) if rng.random() < bounce_rate)
        hosting.bounce += bounced
        if day == today:
            hosting.sent_today, hosting.bounced_today = volume, bounced
        if days_ago <= 7:
            for at in sorted(rng.uniform(start, end) for _bounce in range(min(bounced, 15))):
                to = f"{rng.choice(['contact', 'info', 'm.durand', 'client', 'jp.leroy'])}{rng.randint(1, 999)}" \
                     f"@{rng.choice(RECIPIENT_DOMAINS)}"
                hosting.add_bounce(at, to, bounce_message(to, rng))
    hosting.bounce_log.sort(key=lambda entry: entry["at"])
    return hosting
