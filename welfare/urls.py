from django.urls import path

from . import views

app_name = "welfare"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("activities/", views.activities, name="activities"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/recipients/", views.activity_recipients, name="activity_recipients"),
    path(
        "activities/<int:pk>/beneficiaries/<int:beneficiary_pk>/remove/",
        views.beneficiary_remove,
        name="beneficiary_remove",
    ),
    path("recipients-template/", views.recipients_template, name="recipients_template"),
    path("shelters/", views.shelters, name="shelters"),
    path("shelters/new/", views.shelter_create, name="shelter_create"),
    path("shelters/<int:pk>/", views.shelter_detail, name="shelter_detail"),
    path("shelters/<int:pk>/edit/", views.shelter_edit, name="shelter_edit"),
    path("shelters/<int:pk>/advance/", views.shelter_advance, name="shelter_advance"),
    path("funds/", views.funds, name="funds"),
    path("funds/new/", views.fund_create, name="fund_create"),
    path("funds/<int:pk>/", views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/entries/", views.fund_entry, name="fund_entry"),
    path("occasions/", views.occasions, name="occasions"),
    path("occasions/new/", views.occasion_create, name="occasion_create"),
]
