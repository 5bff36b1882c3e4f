"""The list of members who received an activity's support, uploaded as .xlsx or .csv and
validated whole before anything is written (PRODUCT.md §4's rules where they apply)."""

from dataclasses import dataclass, field

from members.importing import Issue


@dataclass
class RecipientsOutcome:
    """`status`: "imported", "valid" (a check only, no errors) or "invalid" (nothing written)."""

    status: str = "invalid"
    rows: int = 0
    added: int = 0
    already: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def recipients_import(*, activity, path, filename: str, by, dry_run: bool = False, request=None) -> RecipientsOutcome:
    """Validate the file at `path` against `activity` and, with no errors and not `dry_run`,
    link every listed member in one transaction (through `services.beneficiaries_add`)."""
    raise NotImplementedError
