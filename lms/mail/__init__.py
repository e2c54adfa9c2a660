"""E-mail through an outbox.

A message is a row written in the same transaction as the change it reports
(`lms.mail.outbox.enqueue`). It is sent only after that transaction commits, by
`lms.mail.sender.send_due`: after the request that wrote it (MAIL_SEND_AFTER_REQUEST), or by
`flask --app app mail send`. So a mail server that is down never loses a decision, and a
decision that fails never sends mail about itself. Nothing else in `lms/` sends mail.
"""
