from django.urls import path

from . import views, views_reorg

app_name = "unions"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/children/", views.children, name="children"),
    path("reorganizations/", views_reorg.reorganizations, name="reorganizations"),
    path("reorganizations/new/", views_reorg.reorganization_create, name="reorganization_create"),
    path("reorganizations/upload/", views_reorg.reorganization_upload, name="reorganization_upload"),
    path("reorganizations/template.xlsx", views_reorg.reorganization_template, name="reorganization_template"),
    path("reorganizations/<int:pk>/", views_reorg.reorganization_detail, name="reorganization_detail"),
    path("reorganizations/<int:pk>/apply/", views_reorg.reorganization_apply, name="reorganization_apply"),
    path("reorganizations/<int:pk>/discard/", views_reorg.reorganization_discard, name="reorganization_discard"),
]
