"""The pure core: mask maths, image I/O, model rules, the API client, history. No Qt here."""
