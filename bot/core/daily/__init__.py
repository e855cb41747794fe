"""The daily cycle: schedule, question selection and the packs' loader, posting, replies,
reveal, streaks and the board (service.py), and /practice (channel_desk.py)."""
