"""Image artifacts (photographed student work): zoom with the wheel or keys, pan with the
scroll bars or a middle-button drag, fit to the window; drag a rectangle to mark the
region to cite (Esc clears it).

Decoding runs in a worker thread (a large photo can take a noticeable moment), and the
decoded ``QImage`` is handed to the GUI thread. The cite target is the marked region, in
the image's own pixels, so it means the same at any zoom; with no region there is nothing
to cite (a whole image is cited by marking all of it).
"""

from __future__ import annotations

from typing import BinaryIO

from assessor_app.domain import Artifact, ImageRegion, Rect
from assessor_app.ui.background import Executor
from assessor_app.ui.qt import (
    QColor,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPoint,
    QPointF,
    QRectF,
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
# A drag shorter than this (screen pixels) is a click: it clears the region.
_MIN_DRAG_PX = 4
_pool: Executor | None = None


def _executor() -> Executor:
    global _pool
    if _pool is None:
        _pool = Executor("image-decode", 2)
    return _pool


class _ImageView(QGraphicsView):
    """Wheel zooms about the pointer; + / - / 0 (fit) / 1 (actual size) from the keyboard;
    a left drag marks the region to cite, a middle drag pans, Esc clears the region."""

    def __init__(self, owner: ImageViewer) -> None:
        super().__init__(owner)
        self._owner = owner
        self._drag_from: QPoint | None = None
        self._pan_from: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = point
        elif event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = point
        else:
            super().mousePressEvent(event)
            return
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self._drag_from is not None:
            self._owner.show_drag(self.mapToScene(self._drag_from), self.mapToScene(point))
        elif self._pan_from is not None:
            delta = point - self._pan_from
            self._pan_from = point
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self._drag_from is not None and event.button() == Qt.MouseButton.LeftButton:
            start, self._drag_from = self._drag_from, None
            if (point - start).manhattanLength() < _MIN_DRAG_PX:
                self._owner.clear_region()
            else:
                self._owner.finish_drag(self.mapToScene(start), self.mapToScene(point))
        elif event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
        else:
            super().mouseReleaseEvent(event)

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
        elif key == Qt.Key.Key_Escape and self._owner.region() is not None:
            self._owner.clear_region()
        else:
            super().keyPressEvent(event)


class ImageViewer(ArtifactViewer):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = _ImageView(self)
        # Focusing the viewer (after Ctrl+Page Down, say) focuses what takes its keys.
        self.setFocusProxy(self.view)
        self.view.setScene(self.scene)
        self.view.setAccessibleName("Image")
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.view.setToolTip(
            "Drag a rectangle to mark a region, then C cites it (Esc clears); wheel or + / - "
            "zooms, 0 fits, 1 is actual size; middle-drag or the scroll bars pan."
        )
        self.item: QGraphicsPixmapItem | None = None
        self._region: Rect | None = None
        self._region_item: QGraphicsRectItem | None = None
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
        self._region, self._region_item = None, None
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

    # -- the region to cite ---------------------------------------------------------------

    def region(self) -> Rect | None:
        """The marked region in image pixels, or None."""
        return self._region

    def _clamped(self, a: QPointF, b: QPointF) -> Rect | None:
        assert self.image_size is not None
        width, height = self.image_size
        left, right = sorted((min(max(a.x(), 0.0), width), min(max(b.x(), 0.0), width)))
        top, bottom = sorted((min(max(a.y(), 0.0), height), min(max(b.y(), 0.0), height)))
        x, y = round(left), round(top)
        w, h = round(right) - x, round(bottom) - y
        return Rect(x, y, w, h) if w > 0 and h > 0 else None

    def show_drag(self, a: QPointF, b: QPointF) -> None:
        """Draw the rectangle being dragged (scene points are image pixels)."""
        if self.item is not None:
            self._draw(self._clamped(a, b))

    def finish_drag(self, a: QPointF, b: QPointF) -> None:
        if self.item is not None:
            self.set_region(self._clamped(a, b))

    def set_region(self, region: Rect | None) -> None:
        self._region = region
        self._draw(region)
        self.citeTargetChanged.emit()

    def clear_region(self) -> None:
        self.set_region(None)

    def _draw(self, region: Rect | None) -> None:
        if region is None:
            if self._region_item is not None:
                self.scene.removeItem(self._region_item)
                self._region_item = None
            return
        if self._region_item is None:
            highlight = self.palette().color(QPalette.ColorRole.Highlight)
            # A dashed outline as well as a tint: visible on any photo, not by colour alone.
            pen = QPen(highlight, 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            fill = QColor(highlight)
            fill.setAlpha(50)
            self._region_item = self.scene.addRect(QRectF(), pen, fill)
        self._region_item.setRect(QRectF(region.x, region.y, region.width, region.height))

    # -- citations and position -----------------------------------------------------------

    def cite_target(self) -> CiteTarget | None:
        return ImageRegion(self._region) if self._region is not None else None

    def go_to(self, target: CiteTarget) -> bool:
        if not isinstance(target, ImageRegion) or self.item is None:
            return False
        self.set_region(target.rect)
        r = target.rect
        self.view.centerOn(r.x + r.width / 2, r.y + r.height / 2)
        return True

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
