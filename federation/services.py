from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .models import AuditLog


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(*, actor, obj, action: str, changes: dict | None = None, request=None) -> AuditLog:
    """Record one change of `obj` in the audit trail (inside the caller's transaction)."""
    federation_id = obj.pk if obj._meta.model_name == "federation" else getattr(obj, "federation_id", None)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(actor.username if getattr(actor, "pk", None) else "system")[:150],
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


@transaction.atomic
def user_create(*, username, role, federation, union=None, password=None, full_name="", email="", by=None):
    """Open an account attached to one unit. Validation (role vs unit) is the caller's form's."""
    from .models import Role, User

    user = User(
        username=username,
        role=role,
        federation=federation,
        union=union,
        full_name=full_name,
        email=email,
        is_staff=role == Role.FEDERATION_ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(actor=by, obj=user, action=AuditLog.Action.CREATE, changes={"role": [None, role]})
    return user
