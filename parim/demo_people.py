"""The demo's two companies, their people and policies, and the sign-ins `make run` prints
once the server is listening."""

from __future__ import annotations

from dataclasses import dataclass

from tenancy.permissions import RoleKind

DEMO_PASSWORD = "rota-demo-2026"  # noqa: S105  (printed by `make run`; the demo only)


@dataclass(frozen=True)
class DemoPolicy:
    title: str
    file_name: str
    text: str


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    domain: str
    time_zone: str
    role_people: dict[RoleKind, str]
    employees: list[str]
    positions: list[tuple[str, str]]
    sites: list[tuple[str, str]]
    policy: DemoPolicy
    # The employee (by first name) who has asked for their data to be erased, if anyone.
    erasure_from: str = ""


ACME_POLICY = DemoPolicy(
    title="Code of conduct",
    file_name="code-of-conduct.md",
    text="""# Code of conduct for care staff

Acme Care Homes looks after people in the place they call **home**. This code sets out what
residents, their families and your colleagues can expect of you on every shift.

## Dignity and respect

- Knock and wait before entering a resident's room, and close doors and curtains during
  personal care.
- Address residents by the name they prefer, and involve them in every choice about their day.
- Never raise your voice, mock, ignore or restrain a resident. Abuse of any kind is **gross
  misconduct**.

## On shift

1. Arrive in time for the handover, in clean uniform, with your ID badge visible.
2. Read the care plans and the handover notes before you start.
3. Tell your manager as early as you can if you cannot work a shift: *at least four hours
   before it starts*, except in an emergency. Ask for swaps in the app, not by text message.
4. Record care, food and fluid, and medication as you give them, never at the end of the shift.

## Safeguarding

If you think a resident is at risk of harm, **tell the nurse in charge at once** and record
what you saw and heard. If the concern is about the nurse in charge, call the registered
manager or the safeguarding line on the staff-room noticeboard. You will not be treated
unfairly for raising a concern in good faith.

## Confidentiality

- Keep what you learn about residents to those who need it for their care.
- Never post photographs of residents, or anything about them, on social media.
- Lock the care-plan tablet whenever you step away from it.

## Health and safety

- Use the hoist and other equipment only once you are trained, and always with two staff.
- Wash your hands before and after care, and follow the infection control notices.
- Report every fall, injury or near miss on the incident form before you go home.

*Breaking this code may lead to disciplinary action. Questions: ask your home's manager.*
""",
)

GLOBEX_POLICY = DemoPolicy(
    title="Security officer standards",
    file_name="security-officer-standards.md",
    text="""# Security officer standards

Globex Security protects our clients' people and property. Clients judge all of us by how
each officer behaves on site: these standards apply on every assignment.

## Licensing

- Hold a **valid SIA front-line licence** for the work you do, and wear it visibly on duty.
- Tell your supervisor *the same day* if your licence is suspended, revoked or about to
  expire, or if you are arrested or charged with an offence.

## On assignment

1. Arrive at least **15 minutes** before your shift to take the handover and read the
   occurrence book.
2. Never leave a post unattended. If you must leave it, call the control room first and wait
   for relief.
3. Carry out patrols at the times and by the routes in the assignment instructions, and
   record each checkpoint.
4. No alcohol or drugs within eight hours of a shift, and no sleeping on duty.
5. Swap or give up shifts only through the app, so that every post stays covered by a
   licensed officer.

## Use of force

Force is a **last resort**. Use only what is reasonable and necessary to protect yourself or
others, stop as soon as the threat has passed, and report it to the control room at once.

## Incidents and reporting

- Log every incident, alarm and visitor in the occurrence book as it happens.
- Call **999** first in an emergency, then the control room.
- Write your incident report before you leave site: facts only, in your own words.

## Conduct and confidentiality

- Be courteous to the public, the client's staff and visitors, even when they are not.
- Keep access codes, keys, alarm details and client information to yourself, on and off duty.
- Do not post about a client, a site or an incident on social media.

*Serious breaches may lead to dismissal and be reported to the Security Industry Authority.*
""",
)

DEMO_TENANTS = [
    DemoTenant(
        slug="acme",
        name="Acme Care Homes",
        erasure_from="ella",
        domain="acme.test",
        time_zone="Europe/London",
        role_people={
            RoleKind.OWNER: "Priya Shah",
            RoleKind.ADMIN: "Tom Okafor",
            RoleKind.MANAGER: "Maria Rossi",
            RoleKind.EMPLOYEE: "Sam Taylor",
            RoleKind.AUDITOR: "Grace Chen",
        },
        employees=[
            "Aisha Khan",
            "Ben Murphy",
            "Chloe Evans",
            "Daniel Novak",
            "Ella Hughes",
            "Farah Ali",
            "George Wright",
            "Hannah Scott",
            "Isaac Green",
            "Jade Baker",
            "Kofi Mensah",
            "Laura Price",
            "Mohammed Iqbal",
            "Niamh Kelly",
            "Oliver Hall",
            "Poppy Ward",
            "Rhys Morgan",
            "Sofia Lopez",
            "Theo Clarke",
            "Uma Patel",
            "Victor Adeyemi",
            "Wendy Brooks",
            "Xavier Dunn",
            "Yasmin Farouk",
            "Zach Morris",
        ],
        positions=[
            ("Carer", "teal"),
            ("Senior carer", "indigo"),
            ("Nurse", "pink"),
            ("Cook", "amber"),
            ("Night porter", "slate"),
        ],
        sites=[
            ("Rosewood House", "12 Rosewood Lane, Leeds LS6 2AB"),
            ("Maple Court", "48 Maple Road, York YO10 4DT"),
            ("Harbour View", "3 Quayside, Hull HU1 1TE"),
        ],
        policy=ACME_POLICY,
    ),
    DemoTenant(
        slug="globex",
        name="Globex Security",
        domain="globex.test",
        time_zone="Europe/London",
        role_people={
            RoleKind.OWNER: "Hank Scorpio",
            RoleKind.ADMIN: "Lena Berg",
            RoleKind.MANAGER: "Marco Silva",
            RoleKind.EMPLOYEE: "Nia Johnson",
            RoleKind.AUDITOR: "Omar Haddad",
        },
        employees=["Paula Reyes", "Quentin Blake", "Rosa Diaz"],
        positions=[("Guard", "blue"), ("Supervisor", "purple")],
        sites=[("Head Office", "1 Globex Plaza, London EC2A 4NE")],
        policy=GLOBEX_POLICY,
    ),
]

# What each role finds first, for the sign-in list.
ROLE_HINTS = {
    RoleKind.OWNER: "everything, billing",
    RoleKind.ADMIN: "people, roles, security, privacy",
    RoleKind.MANAGER: "the rota, approvals waiting",
    RoleKind.EMPLOYEE: "my shifts, open shifts, swaps",
    RoleKind.AUDITOR: "the audit log",
}


def sign_ins(address: str | None = None) -> str:
    """The lines `make run` ends with: every demo sign-in (email, role, company), then where
    the app is ready (`address`, when it is serving)."""
    rows = [
        (f"{kind.value}@{demo.domain}", kind.value, demo.name, ROLE_HINTS[kind])
        for demo in DEMO_TENANTS
        for kind in demo.role_people
    ]
    width = max(len(email) for email, *_rest in rows) + 2
    lines = ["", f"Demo sign-ins (the password for all: {DEMO_PASSWORD})", ""]
    lines += [f"  {'email':<{width}}{'role':<10}{'company':<17}sees first"]
    lines += [
        f"  {email:<{width}}{role:<10}{company:<17}{hint}" for email, role, company, hint in rows
    ]
    if address:
        lines += ["", f"Parim is ready at {address.rstrip('/')}/  (Ctrl+C to stop)"]
    return "\n".join(lines)
