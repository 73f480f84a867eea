from django import template

register = template.Library()


@register.filter
def timecode(frame, fps) -> str:
    """HH:MM:SS:FF for a frame number at a constant frame rate (FF = frame within the second)."""
    fps = round(float(fps or 25))
    frame = int(frame)
    seconds, frames = divmod(frame, fps)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}:{frames:02d}"
