"""storecrm: the shared package every function loads from the common layer.

domain/        rules, no AWS imports
repositories/  the only DynamoDB users
gateways/      the other outside systems (SES, Secrets Manager)
http/          conventions every HTTP function shares (errors, auth, cursors, request ids)
arky/          the arky dialect's wire models
services.py    wires the above together once per container
"""
