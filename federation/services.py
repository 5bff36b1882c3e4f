from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import AuditLog
from .text import clean_text


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(*, actor, obj, action: str, changes: dict | None = None, request=None) -> AuditLog:
    """Record one change of `obj` in the audit trail (inside the caller's transaction)."""
    federation_id = obj.pk if obj._meta.model_name == "federation" else getattr(obj, "federation_id", None)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.username[:150] if getattr(actor, "pk", None) else "",
        federation_id=federation_id,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=changes or {},
        ip=client_ip(request),
    )


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

    from .models import FEDERATION_ROLES, Role

    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
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
