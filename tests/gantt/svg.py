"""Reading a Gantt chart back: the SVG parsed as XML, bars by milestone id."""

from xml.etree.ElementTree import Element, fromstring

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: str | bytes) -> Element:
    """The chart's root element; raises if the document is not well-formed XML."""
    root = fromstring(chart)  # noqa: S314 - our own output, parsed to check it is well-formed
    assert root.tag == f"{SVG}svg"
    return root


def milestone_rows(root: Element) -> dict[str, Element]:
    """Each milestone's row group (its bar, label and state), by milestone id."""
    return {
        row.attrib["data-milestone-id"]: row
        for row in root.iter(f"{SVG}g")
        if "data-milestone-id" in row.attrib
    }


def classes(element: Element) -> set[str]:
    return set(element.attrib.get("class", "").split())


def texts(element: Element) -> list[str]:
    return [text.text or "" for text in element.iter(f"{SVG}text")]
