"""The program's own published contact: one constant, read by the public pages and the seeded calls.

The DFAIT/CIDA brochure (shared/seeds/002, lines 61-70) gives the RCMP's International Peace Operations Branch
as the contact for those interested: "Email: peacekeeping@rcmp-grc.gc.ca", "Telephone: 613-993-4915". The
internal routing addresses (a coordinator's, IRSS's, chalicelib/data/police_services.json) are not this: they
are told of files and never shown as the program's contact.

>>> CONTACT["email"], CONTACT["phone"]
('peacekeeping@rcmp-grc.gc.ca', '613-993-4915')
"""
from __future__ import annotations

from typing import Any, Mapping

CONTACT: Mapping[str, Any] = {
    "name": {"en": "International Peace Operations Branch (RCMP)",
             "fr": "Direction des opérations de paix internationales (GRC)"},
    "email": "peacekeeping@rcmp-grc.gc.ca",
    "phone": "613-993-4915",
}


def call_contact() -> dict[str, Any]:
    """The contact a call gives when the program answers for it (the seeded calls): a name in both languages and the
    published address, as schemas/bulletin.json's ``contact`` reads it."""
    return {"name": dict(CONTACT["name"]), "email": str(CONTACT["email"])}
