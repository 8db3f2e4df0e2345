"""TM Forum Open API documents built from diagnoses (TMF621 Trouble Ticket)."""
