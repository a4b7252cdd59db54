"""URLs of scheduling's messaging pages. Included under /<tenant_slug>/ by scheduling.urls."""

from django.urls import URLPattern, path

from scheduling.messaging import views

urlpatterns: list[URLPattern] = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/badge/", views.notifications_badge, name="notifications-badge"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/preferences/", views.email_preferences, name="email-preferences"),
    path("notifications/messages/<uuid:message_id>/", views.message_read, name="message-read"),
    path(
        "notifications/<uuid:notification_id>/",
        views.notification_open,
        name="notification-open",
    ),
    path("messages/", views.messages_sent, name="messages-sent"),
    path("messages/new/", views.message_new, name="message-new"),
    path("messages/new/preview/", views.message_preview, name="message-preview"),
    path("messages/<uuid:message_id>/", views.message_detail, name="message-detail"),
    path("settings/messages/", views.message_settings, name="message-settings"),
]
