# Copyright: mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: volume_chart
short_description: Geometry of a bar chart of daily sent volumes, for an inline SVG
version_added: 0.1.0
author: mailops maintainers
description:
  - Places one bar per day in a O(width) by O(height) SVG view box, scaled to the busiest day, with room for the
    day labels under the bars. The template only draws what this returns.
  - A day with mails always gets a visible bar, however small next to the busiest one.
options:
  _input:
    description: Daily volumes, oldest first, each C({date, volume}) (the C(volumes) of a report entry).
    type: list
    elements: dict
    required: true
  width:
    description: Width of the view box.
    type: int
    default: 320
  height:
    description: Height of the view box, labels included.
    type: int
    default: 100
"""

EXAMPLES = r"""
- name: Draw the chart of one hosting
  ansible.builtin.debug:
    msg: >-
      {% set chart = entry.volumes | mailops.ovh_hosting.volume_chart %}
      <svg viewBox="0 0 {{ chart.width }} {{ chart.height }}">
      {% for bar in chart.bars %}<rect x="{{ bar.x }}" y="{{ bar.y }}" width="{{ bar.width }}" height="{{ bar.height }}"/>{% endfor %}
      </svg>
"""

RETURN = r"""
_value:
  description: The chart geometry.
  type: dict
  contains:
    width:
      description: Width of the view box.
      type: int
    height:
      description: Height of the view box.
      type: int
    baseline:
      description: Y of the axis under the bars.
      type: float
    label_y:
      description: Y of the baseline of the day labels.
      type: float
    scale_y:
      description: Y of the baseline of the scale label, above the bars.
      type: float
    max:
      description: The busiest day's volume (the top of the scale).
      type: int
    total:
      description: Sum of the volumes.
      type: int
    empty:
      description: Whether no mail was sent on any day.
      type: bool
    bars:
      description: One bar per day, oldest first, with C(x), C(y), C(width), C(height), C(date) and C(volume).
      type: list
      elements: dict
    first_label:
      description: The first day, as C(MM-DD).
      type: str
    last_label:
      description: The last day, as C(MM-DD).
      type: str
"""

from ansible.errors import AnsibleFilterError

LABEL_ROOM = 14  # view-box units under the axis for the day labels
TOP_ROOM = 12  # room above the busiest bar for the scale label
BAR_FILL = 0.8  # share of a day's slot the bar covers
MIN_BAR = 1.5  # a day with mail never disappears next to a busy one


def volume_chart(volumes, width=320, height=100):
    if not isinstance(volumes, list) or not all(isinstance(point, dict) for point in volumes):
        raise AnsibleFilterError("volume_chart expects a list of {date, volume}")
    width, height = int(width), int(height)
    if width < 10 or height <= LABEL_ROOM + TOP_ROOM + MIN_BAR:
        raise AnsibleFilterError(f"volume_chart: a {width}x{height} view box is too small")
    values = [max(int(point.get("volume") or 0), 0) for point in volumes]
    busiest = max(values, default=0)
    baseline = float(height - LABEL_ROOM)
    plot_height = baseline - TOP_ROOM
    slot = width / len(values) if values else float(width)
    bars = []
    for index, (point, value) in enumerate(zip(volumes, values)):
        bar_height = value / busiest * plot_height if busiest else 0.0
        if value:
            bar_height = max(bar_height, MIN_BAR)
        bars.append({
            "x": round(index * slot + slot * (1 - BAR_FILL) / 2, 2),
            "y": round(baseline - bar_height, 2),
            "width": round(slot * BAR_FILL, 2),
            "height": round(bar_height, 2),
            "date": point.get("date"),
            "volume": value,
        })
    dates = [str(point.get("date") or "") for point in volumes]
    return {
        "width": width,
        "height": height,
        "baseline": baseline,
        "label_y": float(height - 3),
        "scale_y": float(TOP_ROOM - 3),
        "max": busiest,
        "total": sum(values),
        "empty": busiest == 0,
        "bars": bars,
        "first_label": dates[0][5:10] if dates else "",
        "last_label": dates[-1][5:10] if dates else "",
    }


class FilterModule:
    def filters(self):
        return {"volume_chart": volume_chart}
