"""Local fakes of the platforms' services, served for real on loopback ephemeral ports."""
