from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, page: int, field: str = "page") -> str:
    """The current query string with only the page number changed (filters survive paging)."""
    params = context["request"].GET.copy()
    params[field] = page
    return "?" + params.urlencode()
