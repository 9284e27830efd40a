# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ovhsim: the OVHcloud web hosting e-mail API on loopback, with a mail-flow model, a clock and faults."""

__version__ = "0.1.0"
