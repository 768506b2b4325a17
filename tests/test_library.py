"""The Library's filters, sorting and timeline points: plain functions over library entries."""

from rag.library import NO_OUTLET, LibraryEntry, Shelf, days_of_range, outlets, shelve, timeline_points


def entry(source, published=None, outlet=None, title=None):
    return LibraryEntry(source, title, outlet, published, None, None, 3)


ROWS = [
    entry("a.html", "2024-03-02", "The Harbour Gazette", "Harbour closed after storm"),
    entry("b.md", "2024-03-05", "Northern Post", "Pier repairs to cost more"),
    entry("c.txt", None, None, None),
    entry("d.html", "2025-09-01T08:00:00", "Valley Times", "New school opens its doors"),
    entry("e.txt", "2024-04-20", "Northern Post", "Harbour reopens"),
]


def names(rows):
    return [e.source for e in rows]


def test_filters_by_outlet_dates_and_title_words_together():
    assert names(shelve(ROWS, Shelf(outlet="Northern Post"), "file")) == ["b.md", "e.txt"]
    assert names(shelve(ROWS, Shelf(outlet=NO_OUTLET), "file")) == ["c.txt"]
    assert names(shelve(ROWS, Shelf(published_from="2024-03-03", published_to="2025-09-01"), "file")) == ["b.md", "d.html", "e.txt"]
    assert names(shelve(ROWS, Shelf(words="HARBOUR"), "file")) == ["a.html", "e.txt"]
    assert names(shelve(ROWS, Shelf(outlet="Northern Post", words="harbour"), "file")) == ["e.txt"]
    assert names(shelve(ROWS, Shelf(words="c.txt"), "file")) == ["c.txt"]  # an untitled article by its file name
    curly = [entry("f.md", "2024-07-30", "CNN", "Maduro’s win questioned")]
    assert names(shelve(curly, Shelf(words="maduro's"), "file")) == names(shelve(curly, Shelf(words="Maduro’s"), "file")) == ["f.md"]


def test_sorts_put_undated_and_unnamed_articles_last():
    assert names(shelve(ROWS, Shelf(), "newest first")) == ["d.html", "e.txt", "b.md", "a.html", "c.txt"]
    assert names(shelve(ROWS, Shelf(), "oldest first")) == ["a.html", "b.md", "e.txt", "d.html", "c.txt"]
    assert names(shelve(ROWS, Shelf(), "outlet")) == ["b.md", "e.txt", "a.html", "d.html", "c.txt"]
    assert names(shelve(ROWS, Shelf(), "title"))[-1] == "c.txt"


def test_outlets_and_timeline_points_cover_dated_articles_only_on_the_timeline():
    assert outlets(ROWS) == ["Northern Post", "The Harbour Gazette", "Valley Times", NO_OUTLET]
    points = timeline_points(ROWS)
    assert [p["file"] for p in points] == ["a.html", "b.md", "d.html", "e.txt"]
    assert points[2] == {"published": "2025-09-01", "outlet": "Valley Times", "title": "New school opens its doors", "file": "d.html"}


def test_a_range_chosen_on_the_timeline_becomes_two_days_in_order():
    march_2 = 1709337600000  # 2024-03-02T00:00:00Z in milliseconds
    assert days_of_range(march_2 + 86_400_000 * 3, march_2) == ("2024-03-02", "2024-03-05")
    assert days_of_range(march_2 // 1000, march_2 // 1000 + 86_400) == ("2024-03-02", "2024-03-03")  # seconds
    assert days_of_range("2024-04-20T00:00:00", "2024-03-02") == ("2024-03-02", "2024-04-20")
