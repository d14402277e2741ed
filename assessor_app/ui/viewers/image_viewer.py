"""Image artifacts (photographed student work): zoom with the wheel or keys, pan by
dragging, fit to the window.

Decoding runs in a worker thread (a large photo can take a noticeable moment), and the
decoded ``QImage`` is handed to the GUI thread. An image has no citation target in the
domain model (time range, PDF page or quote), so ``cite_target`` is None.
"""

from __future__ import annotations

from typing import BinaryIO

from assessor_app.domain import Artifact
from assessor_app.ui.background import Executor
from assessor_app.ui.qt import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QImage,
    QKeyEvent,
    QPainter,
    QPixmap,
    QResizeEvent,
    Qt,
    QWheelEvent,
    QWidget,
    isValid,
)
from assessor_app.ui.viewers.base import ArtifactViewer, CiteTarget, PositionState

_MAX_BYTES = 100 * 1024 * 1024
_ZOOM_STEP = 1.25
_MIN_ZOOM = 0.05
_MAX_ZOOM = 16.0
_pool: Executor | None = None


def _executor() -> Executor:
    global _pool
    if _pool is None:
        _pool = Executor("image-decode", 2)
    return _pool


class _ImageView(QGraphicsView):
    """Wheel zooms about the pointer; + / - / 0 (fit) / 1 (actual size) from the keyboard."""

    def __init__(self, owner: ImageViewer) -> None:
        super().__init__(owner)
        self._owner = owner

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta:
            self._owner.zoom_by(_ZOOM_STEP if delta > 0 else 1 / _ZOOM_STEP)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._owner.zoom_by(_ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self._owner.zoom_by(1 / _ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self._owner.fit()
        elif key == Qt.Key.Key_1:
            self._owner.set_zoom(1.0)
        else:
            super().keyPressEvent(event)


class ImageViewer(ArtifactViewer):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = _ImageView(self)
        self.view.setScene(self.scene)
        self.view.setAccessibleName("Image")
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.view.setToolTip("Wheel or + / - zooms, 0 fits, 1 is actual size; drag to pan.")
        self.item: QGraphicsPixmapItem | None = None
        self.image_size: tuple[int, int] | None = None
        self._zoom = 1.0
        self._fitted = True
        self._generation = 0
        self._message_while_loading()

    def _message_while_loading(self) -> None:
        self._message.setText("Opening the image…")

    def _show(self, stream: BinaryIO) -> None:
        assert self.artifact is not None
        self._generation += 1
        generation = self._generation
        artifact: Artifact = self.artifact
        self.item = None
        self.scene.clear()

        def work() -> QImage:
            data = stream.read(_MAX_BYTES + 1)
            if len(data) > _MAX_BYTES:
                raise ValueError("it is larger than 100 MB")
            image = QImage.fromData(data)
            if image.isNull():
                raise ValueError("it is not an image format this app can read")
            return image

        def done(image: object) -> None:
            if isValid(self) and generation == self._generation:
                assert isinstance(image, QImage)
                self._present(image)

        def failed(error: BaseException) -> None:
            if isValid(self) and generation == self._generation:
                self.show_error(f"“{artifact.display_name}” could not be shown: {error}")

        _executor().submit(work, success=done, failure=failed)

    def _present(self, image: QImage) -> None:
        self.item = self.scene.addPixmap(QPixmap.fromImage(image))
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.setSceneRect(self.item.boundingRect())
        self.image_size = (image.width(), image.height())
        self.set_content_widget(self.view)
        self.fit()
        self._content_ready()

    def _is_ready(self) -> bool:
        return self.item is not None

    # -- zoom ---------------------------------------------------------------------------

    def zoom(self) -> float:
        return self._zoom

    def set_zoom(self, factor: float) -> None:
        factor = max(_MIN_ZOOM, min(_MAX_ZOOM, factor))
        self._fitted = False
        self.view.resetTransform()
        self.view.scale(factor, factor)
        self._zoom = factor

    def zoom_by(self, step: float) -> None:
        self.set_zoom(self._zoom * step)

    def fit(self) -> None:
        if self.item is None:
            return
        self.view.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
        self._zoom = self.view.transform().m11()
        self._fitted = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    # -- citations and position -----------------------------------------------------------

    def cite_target(self) -> CiteTarget | None:
        return None

    def go_to(self, target: CiteTarget) -> bool:
        return False

    def position_state(self) -> PositionState:
        center = self.view.mapToScene(self.view.viewport().rect().center())
        return {
            "zoom": self._zoom,
            "fitted": self._fitted,
            "center": [center.x(), center.y()],
        }

    def _apply_position_state(self, state: PositionState) -> None:
        if state.get("fitted", True):
            self.fit()
            return
        self.set_zoom(float(state.get("zoom", 1.0)))
        x, y = state.get("center", [0.0, 0.0])
        self.view.centerOn(float(x), float(y))
