"""URLs of attendance. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from attendance import payroll_views
from attendance.board import views as board
from attendance.clocking import views as clocking
from attendance.timesheets import views as timesheets

urlpatterns: list[URLPattern] = [
    path("clock/", clocking.clock, name="clock"),
    path("board/", board.attendance_board, name="board"),
    path("timesheets/", timesheets.timesheet_list, name="timesheets"),
    path("timesheets/<uuid:membership_id>/", timesheets.timesheet_detail, name="timesheet"),
    path("my-timesheet/", timesheets.my_timesheet, name="my-timesheet"),
    path("payroll/actual/", payroll_views.payroll_actuals, name="payroll-actual"),
    path("payroll/summary/", payroll_views.payroll_summary, name="payroll-summary"),
]
