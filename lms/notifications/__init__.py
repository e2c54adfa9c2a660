"""What a person should know about: the same items they are sent by e-mail, listed in-app."""
