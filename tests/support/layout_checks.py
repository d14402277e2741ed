"""Layout checks more than one test makes: what a pane draws cut."""

from __future__ import annotations

from assessor_app.ui.workspace.notes_pane import NotesPane


def notes_header_cuts(pane: NotesPane) -> list[str]:
    """The header's title and buttons whose text is wider than they are, or that end
    beyond the pane."""
    cut = []
    title = pane.title
    if title.fontMetrics().horizontalAdvance(title.text()) > title.width():
        cut.append(title.text())
    for button in (pane.edit_button, pane.delete_button, pane.undo_button, pane.insert_button):
        right = button.mapTo(pane, button.rect().topRight()).x()
        if button.width() < button.sizeHint().width() or right >= pane.width():
            cut.append(button.text())
    return cut
