"""Who may use the wizard: signing in, and the access policy that says what each person may do."""
