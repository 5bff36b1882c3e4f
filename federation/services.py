import contextlib
import contextvars
import csv
import io
import json
import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditLog
from .text import clean_text


def client_ip(request) -> str | None:
    """The address the request came from. Behind `TRUSTED_PROXY_COUNT` reverse proxies it is the
    one the outermost proxy saw, taken from the right of X-Forwarded-For (each proxy appends its
    peer's address; whatever a client wrote further left is not trusted)."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


# Changes every entry written inside `audit_context` carries, e.g. a reorganization's decision.
_context: contextvars.ContextVar[tuple] = contextvars.ContextVar("audit_context", default=())


@contextlib.contextmanager
def audit_context(**values):
    """Within the block, every audit entry also records `values` (as `{name: [None, value]}`)."""
    token = _context.set((*_context.get(), *((name, [None, value]) for name, value in values.items())))
    try:
        yield
    finally:
        _context.reset(token)


def _entry(*, actor, obj, action: str, changes: dict | None, ip: str | None, content_type=None) -> AuditLog:
    federation_id = obj.pk if obj._meta.model_name == "federation" else getattr(obj, "federation_id", None)
    known = getattr(actor, "pk", None)
    return AuditLog(
        actor=actor if known else None,
        actor_name=actor.username[:150] if known else "",
        federation_id=federation_id,
        action=action,
        content_type=content_type or ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes={**(changes or {}), **dict(_context.get())},
        ip=ip,
    )


def audit_log(*, actor, obj, action: str, changes: dict | None = None, request=None, ip=None) -> AuditLog:
    """Record one change of `obj` in the audit trail (inside the caller's transaction). `ip`:
    where the change came from when there is no request (a job started by an upload)."""
    entry = _entry(actor=actor, obj=obj, action=action, changes=changes, ip=client_ip(request) or ip)
    entry.save()
    return entry


def audit_log_many(*, actor, objs, action: str, changes=None, request=None) -> int:
    """Record the same kind of change of many objects of one model in one `bulk_create`.
    `changes`: one dict for all, or a function of the object giving its own."""
    objs = list(objs)
    if not objs:
        return 0
    ip = client_ip(request)
    content_type = ContentType.objects.get_for_model(objs[0], for_concrete_model=False)
    entries = [
        _entry(
            actor=actor,
            obj=obj,
            action=action,
            changes=changes(obj) if callable(changes) else changes,
            ip=ip,
            content_type=content_type,
        )
        for obj in objs
    ]
    AuditLog.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def audit_log_rows(*, actor, model, action: str, rows, federation_id=None, ip=None) -> int:
    """Like `audit_log_many` for rows known only by id: `rows` are (object id, text, changes).
    For the big writes (a member import): COPY on PostgreSQL, so 125,000 entries take about a
    second; one `bulk_create` elsewhere."""
    known = getattr(actor, "pk", None)
    common = {
        "at": timezone.now(),
        "actor_id": actor.pk if known else None,
        "actor_name": actor.username[:150] if known else "",
        "federation_id": federation_id,
        "action": action,
        "content_type_id": ContentType.objects.get_for_model(model, for_concrete_model=False).pk,
        "ip": ip,
    }
    rows = list(rows)
    if not rows:
        return 0
    with_context = dict(_context.get())
    if connection.vendor == "postgresql":
        names = ["at", "actor_id", "actor_name", "federation_id", "action", "content_type_id", "ip"]
        head = ["" if common[n] is None else (common[n].isoformat() if n == "at" else str(common[n])) for n in names]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for object_id, text, changes in rows:
            payload = json.dumps({**(changes or {}), **with_context}, ensure_ascii=False)
            writer.writerow([*head, str(object_id), str(text)[:255], payload])
        buffer.seek(0)
        columns = ", ".join([*names, "object_id", "object_repr", "changes"])
        # An empty field is NULL (actor, federation, IP), except in the text columns.
        options = "FORMAT csv, FORCE_NOT_NULL (actor_name, action, object_id, object_repr)"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(f"COPY {AuditLog._meta.db_table} ({columns}) FROM STDIN WITH ({options})", buffer)
                return len(rows)
    entries = [
        AuditLog(
            **common,
            object_id=str(object_id),
            object_repr=str(text)[:255],
            changes={**(changes or {}), **with_context},
        )
        for object_id, text, changes in rows
    ]
    AuditLog.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


ACCESS_ACTIONS = (AuditLog.Action.VIEW, AuditLog.Action.EXPORT, AuditLog.Action.SEARCH)
_ID_LIKE = re.compile(r"\d{6,}")


def _secret(value) -> bool:
    """Text that could be (part of) a citizen ID or phone number: six digits or more in a row."""
    if isinstance(value, dict):
        return any(_secret(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_secret(v) for v in value)
    return isinstance(value, str) and bool(_ID_LIKE.search(re.sub(r"[\s.]", "", value)))


def audit_access(request_or_user, action: str, obj_or_model, details: dict | None = None) -> AuditLog:
    """Record that personal data was seen (`view`), exported (`export`) or searched for by
    citizen ID (`search`): who, when, from where, what and how many, never the values.

    `obj_or_model`: the object seen, or the model of the rows exported or searched. `details`
    should hold counts and filters only; a value with six digits or more in a row is dropped all
    the same, so no citizen ID (or phone number) can reach the trail this way."""
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"not an access action: {action}")
    request = request_or_user if hasattr(request_or_user, "META") else None
    user = request.user if request is not None else request_or_user
    safe = {name: value for name, value in (details or {}).items() if not _secret(value)}
    if isinstance(obj_or_model, type):
        model = obj_or_model
        object_id, object_repr = "", str(model._meta.verbose_name_plural)[:255]
        federation_id = getattr(user, "federation_id", None)
    else:
        obj = obj_or_model
        model = type(obj)
        object_id, object_repr = str(obj.pk), str(obj)[:255]
        federation_id = obj.pk if model._meta.model_name == "federation" else getattr(obj, "federation_id", None)
    known = getattr(user, "pk", None)
    return AuditLog.objects.create(
        actor=user if known else None,
        actor_name=user.username[:150] if known else "",
        federation_id=federation_id or getattr(user, "federation_id", None),
        action=action,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=object_id,
        object_repr=object_repr,
        changes=safe,
        ip=client_ip(request),
    )


def query_filters(params, *, search: str = "q") -> dict:
    """The filters of a list's query string for an access entry: the search text itself is
    never kept, only whether it was a citizen ID (digits) or a name."""
    filters = {}
    for name in sorted(params):
        if name in ("page", "format", "csrfmiddlewaretoken"):
            continue
        value = params.get(name, "")
        if not value:
            continue
        if name == search or name in ("citizen_id", "search"):
            filters[name] = "citizen_id" if is_citizen_id_query(value) else "text"
        elif not _secret(value):
            filters[name] = value
    return filters


def is_citizen_id_query(value: str) -> bool:
    """A search made of digits (spaces and dots allowed): a citizen ID or a part of one."""
    compact = (value or "").replace(" ", "").replace(".", "")
    return compact.isdigit()


def diff_fields(instance, data: dict) -> dict:
    """{field: [before, after]} for the fields of `data` whose value differs on `instance`."""
    changes = {}
    for name, new in data.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return str(value)


def resolve_unit(*, code: str, federation_code: str | None = None):
    """(federation, union or None) for a unit code: a federation's own code or a union's code.

    Raises ValidationError when the code is unknown or names units in several federations.
    """
    from unions.models import Union

    from .models import Federation

    code = (code or "").strip().upper()
    federations = Federation.objects.all()
    if federation_code:
        federations = federations.filter(code__iexact=federation_code.strip())
    federation = federations.filter(code__iexact=code).first()
    if federation is not None:
        return federation, None
    unions = list(Union.objects.filter(code=code, federation__in=federations).select_related("federation")[:2])
    if not unions:
        raise ValidationError(_("No federation or union has the code %(code)s.") % {"code": code})
    if len(unions) > 1:
        raise ValidationError(_("Several federations have a union %(code)s: name the federation.") % {"code": code})
    return unions[0].federation, unions[0]


def check_role_unit(*, role: str, federation, union) -> None:
    """A role belongs to one kind of unit: federation roles to the federation, an officer to a
    direct-superior union, a chair to a grassroots union, always an active one."""
    from unions.models import Level

    from .models import FEDERATION_ROLES, NATIONAL_ROLES, Role

    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role in NATIONAL_ROLES:  # above the federations: in none of them
        if federation is not None or union is not None:
            message = _("This role stands above the federations: leave the federation and the union empty.")
            raise ValidationError({"federation": message})
        return
    if federation is None:
        raise ValidationError({"federation": _("Choose the federation.")})
    if role in FEDERATION_ROLES:
        if union is not None:
            raise ValidationError({"union": _("This role belongs to the federation, not to a union.")})
        return
    if union is None:
        raise ValidationError({"union": _("This role belongs to a union: choose it.")})
    if union.federation_id != federation.pk:
        raise ValidationError({"union": _("The union belongs to another federation.")})
    if not union.is_active:
        raise ValidationError({"union": _("The union is closed.")})
    expected = Level.SUPERIOR if role == Role.SUPERIOR_OFFICER else Level.GRASSROOTS
    if union.level != expected:
        message = (
            _("A direct-superior union officer belongs to a direct-superior union.")
            if expected == Level.SUPERIOR
            else _("A grassroots union chair belongs to a grassroots union.")
        )
        raise ValidationError({"union": message})


@transaction.atomic
def user_create(*, username, role, federation, union=None, password=None, full_name="", email="", by=None):
    """Open an account attached to one unit."""
    from .models import Role, User

    check_role_unit(role=role, federation=federation, union=union)
    user = User(
        username=username,
        role=role,
        federation=federation,
        union=union,
        full_name=clean_text(full_name),
        email=email,
        is_staff=role == Role.FEDERATION_ADMIN,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(actor=by, obj=user, action=AuditLog.Action.CREATE, changes={"role": [None, role]})
    return user
