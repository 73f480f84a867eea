from django import template

from cases.charts import goal_chart as build_goal_chart

register = template.Library()


@register.inclusion_tag("cases/includes/goal_chart.svg")
def goal_chart(goal):
    return build_goal_chart(goal)


@register.inclusion_tag("cases/includes/status_badge.html")
def status_badge(case):
    return {"case": case}
