"""The clinic as printed on its paperwork: letterhead and the aftercare it hands out.

`DEFAULT_AFTERCARE` is a starting text the clinic may replace; it is plain text with a
blank line between sections, each section a heading line followed by "- " bullets, so it
can be edited in a plain text box and still print with structure.
"""

from __future__ import annotations

from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGO_MAX_BYTES = 1_000_000

DEFAULT_AFTERCARE = """\
First 24–48 hours
- Do not wear make-up.
- Avoid sweating, exercise, saunas, hot showers and swimming.
- Wash your face gently with a mild cleanser and lukewarm water.
- Use a hyaluronic acid serum or a plain, fragrance-free moisturiser.

Days 2–7
- Do not use retinoids (retinol, tretinoin), exfoliating acids (AHA, BHA), vitamin C or \
benzoyl peroxide.
- Do not pick or peel flaking skin; let it come away on its own.
- Apply a broad-spectrum sunscreen of SPF 30 or higher every day.
- Keep out of direct sun for a week.

What to expect
- Redness like a mild sunburn for about a day.
- Dry, flaking skin on days 2–3.
- Tiny pinpoint scabs for 24–72 hours.

Call the clinic if
- You notice signs of infection: increasing pain, swelling, heat, pus or a fever.
- You have a cold-sore flare.
- Patches of your skin become darker."""


@dataclass(frozen=True, slots=True)
class ClinicProfile:
    """The clinic's letterhead and the aftercare text printed for its patients."""

    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    #: Optional number patients call out of hours; "" when none (the phone is given).
    out_of_hours_phone: str = ""
    aftercare_text: str = DEFAULT_AFTERCARE
    #: Optional letterhead logo as PNG bytes (re-encoded on upload); b"" when none.
    logo_png: bytes = b""
