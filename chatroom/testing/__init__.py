"""
The test kit every app's tests share: factories for the models, a seeded chat
for the admin tests, protocol schema checks for frames, and helpers that drive
sockets and the admin as clients would. The fixtures built on them are in the
root conftest.py. Nothing here is imported by application code.
"""
