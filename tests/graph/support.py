"""The app registration the Graph tests sign in as."""

CLIENT_ID = "5b1b0a9e-0000-4000-8000-00000000c11e"
SECRET = "graph-secret"
