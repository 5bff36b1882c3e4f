"""SQL of the tree's integrity triggers, shared by the migrations that (re)create them."""

_PARENT_ANY = (
    "SELECT 1 FROM unions_union p WHERE p.id = NEW.parent_id AND p.level = 'superior' "
    "AND p.federation_id = NEW.federation_id"
)
_PARENT_ACTIVE = _PARENT_ANY + " AND p.status = 'active'"


def _parent_ok(closed_may_keep_parent: bool) -> str:
    """The condition a new or changed parent link must meet."""
    if not closed_may_keep_parent:
        return f"EXISTS ({_PARENT_ACTIVE})"
    active = f"(NEW.status = 'active' AND EXISTS ({_PARENT_ACTIVE}))"
    closed = f"(NEW.status <> 'active' AND EXISTS ({_PARENT_ANY}))"
    return f"({active} OR {closed})"


def sqlite_create(*, closed_may_keep_parent: bool) -> list[str]:
    ok = _parent_ok(closed_may_keep_parent)
    return [
        f"""CREATE TRIGGER unions_union_parent_insert BEFORE INSERT ON unions_union
        WHEN NEW.parent_id IS NOT NULL AND NOT {ok}
        BEGIN SELECT RAISE(ABORT, 'union_parent_invalid'); END""",
        f"""CREATE TRIGGER unions_union_parent_update BEFORE UPDATE OF parent_id, federation_id ON unions_union
        WHEN NEW.parent_id IS NOT NULL
          AND (NEW.parent_id IS NOT OLD.parent_id OR NEW.federation_id != OLD.federation_id)
          AND NOT {ok}
        BEGIN SELECT RAISE(ABORT, 'union_parent_invalid'); END""",
        """CREATE TRIGGER unions_union_close BEFORE UPDATE OF status ON unions_union
        WHEN NEW.status != 'active'
          AND EXISTS (SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id AND c.status = 'active')
        BEGIN SELECT RAISE(ABORT, 'union_has_active_children'); END""",
        """CREATE TRIGGER unions_union_level BEFORE UPDATE OF level ON unions_union
        WHEN NEW.level != 'superior' AND EXISTS (SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'union_has_children'); END""",
    ]


SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS unions_union_parent_insert",
    "DROP TRIGGER IF EXISTS unions_union_parent_update",
    "DROP TRIGGER IF EXISTS unions_union_close",
    "DROP TRIGGER IF EXISTS unions_union_level",
]


def postgres_create(*, closed_may_keep_parent: bool) -> list[str]:
    ok = _parent_ok(closed_may_keep_parent)
    return [
        f"""CREATE OR REPLACE FUNCTION unions_union_integrity() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.parent_id IS NOT NULL AND (TG_OP = 'INSERT'
              OR NEW.parent_id IS DISTINCT FROM OLD.parent_id OR NEW.federation_id <> OLD.federation_id) THEN
            -- FOR SHARE: a concurrent close of the parent waits for us, or we wait for it.
            PERFORM 1 FROM unions_union p WHERE p.id = NEW.parent_id FOR SHARE;
            IF NOT {ok} THEN
              RAISE EXCEPTION 'union_parent_invalid' USING ERRCODE = 'check_violation';
            END IF;
          END IF;
          IF TG_OP = 'UPDATE' AND NEW.status <> 'active' AND OLD.status = 'active' AND EXISTS (
              SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id AND c.status = 'active') THEN
            RAISE EXCEPTION 'union_has_active_children' USING ERRCODE = 'check_violation';
          END IF;
          IF TG_OP = 'UPDATE' AND NEW.level <> 'superior' AND OLD.level = 'superior' AND EXISTS (
              SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id) THEN
            RAISE EXCEPTION 'union_has_children' USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$""",
    ]
