"""The clock: events no request causes (due dates, review dates, meetings about to start)."""
