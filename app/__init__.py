"""The application layer: the conversation kernel and the services the doors and scheduler share.

Chat commands (`handlers/`) parse words and build replies from what this layer gives them; the
doors (`bot/<platform>/`), the command line and the scheduler call it without going through a
command. See docs/architecture.md.
"""
