from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.admit, name="admit"),
    path("lookup/", views.lookup, name="lookup"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/decease/", views.decease, name="decease"),
    path("<int:pk>/readmit/", views.readmit, name="readmit"),
    path("<int:pk>/transfer/", views.transfer, name="transfer"),
    path("<int:pk>/party/", views.party, name="party"),
    path("export/", views.export, name="export"),
    path("exports/<int:pk>/", views.roll_export, name="roll_export"),
    path("exports/<int:pk>/status/", views.roll_export_status, name="roll_export_status"),
    path("exports/<int:pk>/download/", views.roll_export_download, name="roll_export_download"),
    path("template/", views.template, name="template"),
    path("imports/", views.imports, name="import"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/undo/", views.import_undo, name="import_undo"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<int:pk>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/refuse/", views.transfer_refuse, name="transfer_refuse"),
]
