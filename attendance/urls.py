"""URLs of attendance. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path, re_path

from attendance import payroll_views, setup
from attendance.board import views as board
from attendance.clocking import views as clocking
from attendance.kiosk import views as kiosk
from attendance.timesheets import views as timesheets

urlpatterns: list[URLPattern] = [
    path("clock/", clocking.clock, name="clock"),
    path("settings/attendance/", setup.attendance_settings_page, name="attendance-settings"),
    path("board/", board.attendance_board, name="board"),
    path("clock/pin/", kiosk.kiosk_pin, name="kiosk-pin"),
    path("kiosks/", kiosk.kiosk_list, name="kiosks"),
    path("kiosk/", kiosk.kiosk, name="kiosk"),
    re_path(
        r"^kiosk/enrol/(?P<enrol_code>[A-Za-z0-9_-]{20,64})/$",
        kiosk.kiosk_enrol,
        name="kiosk-enrol",
    ),
    path("timesheets/", timesheets.timesheet_list, name="timesheets"),
    path("timesheets/<uuid:membership_id>/", timesheets.timesheet_detail, name="timesheet"),
    path("my-timesheet/", timesheets.my_timesheet, name="my-timesheet"),
    path("payroll/actual/", payroll_views.payroll_actuals, name="payroll-actual"),
    path("payroll/summary/", payroll_views.payroll_summary, name="payroll-summary"),
]
