"""The weekly recap: its figures and wording, when it is due, and the picture port."""
