"""Local runner for storecrm: template.yaml's API, functions and resources on 127.0.0.1 over moto.

`localrunner.template` is importable on its own (tests use it to build resources from the template);
`python -m localrunner` starts everything.
"""
