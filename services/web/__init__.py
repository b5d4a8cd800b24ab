"""The web application: server-rendered pages over the four services' public HTTP APIs."""
