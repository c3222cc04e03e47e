from django.core.exceptions import ValidationError
from django.forms import Form


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the field exists, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errs)
