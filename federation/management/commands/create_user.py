import os
import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation.models import Role, User
from federation.services import resolve_unit, user_create


class Command(BaseCommand):
    help = (
        "Create an account with one role in one unit. The password comes from NEW_USER_PASSWORD, "
        "or is generated and printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", required=True, help="a union's code, or the federation's own code")
        parser.add_argument("--federation", help="federation code, when the union code exists in several")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args, **opts):
        if User.objects.filter(username=opts["username"]).exists():
            raise CommandError(_("The username %(name)s is already taken.") % {"name": opts["username"]})
        password = os.environ.get("NEW_USER_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            federation, union = resolve_unit(code=opts["unit"], federation_code=opts["federation"])
            user = user_create(
                username=opts["username"],
                role=opts["role"],
                federation=federation,
                union=union,
                password=password,
                full_name=opts["full_name"],
                email=opts["email"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        unit = union or federation
        self.stdout.write(f"Created {user.username} ({user.get_role_display()}) in {unit.name} [{unit.code}]")
        if generated:
            self.stdout.write(f"Password: {password}")
