"""
Attachments in the pages (issue 13): a pasted image goes up at once, is sent, and the other person
sees its thumbnail and opens the full-size preview (mouse and keyboard, Escape closes it and gives
the focus back); a file attached with the button shows as a chip with a download link; a finished
upload survives a reload with the draft; a file over the limit says so without being uploaded.
"""

import re

from playwright.sync_api import Page, expect

from browser_tests.steps import create_room, invite_code, join_room, messages, send, sign_up, unique_name

# Images drawn in the page and pasted into the composer as a screenshot tool's copy would be:
# a DataTransfer holding PNG files and no text.
_PASTE_IMAGES = """async (sizes) => {
  const transfer = new DataTransfer();
  for (const [index, [width, height]] of sizes.entries()) {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = index ? '#1fae64' : '#5b4ff0';
    context.fillRect(0, 0, width, height);
    context.fillStyle = '#ffffff';
    context.fillRect(width / 4, height / 4, width / 2, height / 2);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    transfer.items.add(new File([blob], `shot-${index + 1}.png`, { type: 'image/png' }));
  }
  const input = document.getElementById('composer-input');
  input.focus();
  const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
  input.dispatchEvent(event);
  return event.defaultPrevented;
}"""


# Files dropped on the room, as a drag from the desktop delivers them.
_DROP_FILE = """(name) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File(['dropped words'], name, { type: 'text/plain' }));
  const room = document.getElementById('room-view');
  const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
  const fire = (type) => room.dispatchEvent(new DragEvent(type, options));
  fire('dragenter');
  fire('dragover');
  const shown = room.classList.contains('is-dropping');
  const taken = !fire('drop');
  return { shown, taken, after: room.classList.contains('is-dropping') };
}"""


def two_in_a_room(open_page) -> tuple[Page, Page]:
    alice, bob = open_page(), open_page()
    sign_up(alice, unique_name("alice"))
    sign_up(bob, unique_name("bob"))
    create_room(alice, "Pictures")
    join_room(bob, invite_code(alice), "Pictures")
    return alice, bob


def uploads(page: Page):
    return page.get_by_role("list", name="Attachments").get_by_role("listitem")


ALL_THUMBNAILS_LOADED = (
    "() => [...document.querySelectorAll('.attachment-image img')].every((img) => img.naturalWidth > 0)"
)


def test_a_pasted_image_is_sent_and_the_other_person_opens_its_preview(open_page):
    alice, bob = two_in_a_room(open_page)

    # Two screenshots pasted at once: each uploads, with its name and size, and can be removed.
    assert alice.evaluate(_PASTE_IMAGES, [[640, 480], [300, 600]]) is True  # the paste is taken, not inserted as text
    expect(uploads(alice)).to_have_count(2)
    expect(uploads(alice).first).to_contain_text("shot-1.png")
    expect(uploads(alice).first.locator(".upload-size")).to_have_text(re.compile(r"^\d+(\.\d)? (bytes|KB)$"))
    expect(alice.locator(".upload--done")).to_have_count(2)  # uploaded: no progress bar left
    expect(alice.locator(".upload progress")).to_have_count(0)
    send(alice, "the new screens")
    expect(uploads(alice)).to_have_count(0)  # the send took them

    entry = messages(bob).filter(has_text="the new screens")
    thumbnails = entry.locator(".attachment-image img")
    expect(thumbnails).to_have_count(2)
    # Sized before they load, at the image's aspect ratio (no layout jump), named by the file.
    expect(thumbnails.first).to_have_attribute("width", "320")
    expect(thumbnails.first).to_have_attribute("height", "240")
    expect(thumbnails.nth(1)).to_have_attribute("width", "120")
    expect(thumbnails.nth(1)).to_have_attribute("height", "240")
    expect(thumbnails.first).to_have_attribute("alt", "shot-1.png")
    bob.wait_for_function(ALL_THUMBNAILS_LOADED)
    box = thumbnails.first.bounding_box()
    assert round(box["width"]) == 320 and round(box["height"]) == 240, box

    # A click opens the full size; → moves to the message's other image; Escape closes it.
    bob.get_by_role("button", name="shot-1.png: view the full size").click()
    expect(bob.get_by_role("dialog", name="shot-1.png")).to_be_visible()
    preview = bob.locator("dialog.preview")
    full = preview.get_by_role("img", name="shot-1.png")
    expect(full).to_be_visible()
    bob.wait_for_function("() => document.querySelector('.preview-image').naturalWidth === 640")
    expect(preview).to_contain_text("Image 1 of 2")
    bob.keyboard.press("ArrowRight")
    expect(bob.get_by_role("dialog", name="shot-2.png")).to_be_visible()
    expect(preview.get_by_role("img", name="shot-2.png")).to_be_visible()
    expect(preview).to_contain_text("Image 2 of 2")
    bob.keyboard.press("ArrowLeft")
    expect(bob.get_by_role("dialog", name="shot-1.png")).to_be_visible()
    bob.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    expect(bob.get_by_role("button", name="shot-1.png: view the full size")).to_be_focused()

    # The keyboard alone: the thumbnail is one of the entry's controls; Enter opens it.
    bob.keyboard.press("Escape")  # back to the entry
    expect(entry).to_be_focused()
    bob.keyboard.press("Enter")  # into the entry's controls: its actions first
    for _ in range(8):
        if bob.evaluate("document.activeElement.classList.contains('attachment-image')"):
            break
        bob.keyboard.press("ArrowRight")
    expect(bob.get_by_role("button", name="shot-1.png: view the full size")).to_be_focused()
    bob.keyboard.press("Enter")
    expect(bob.get_by_role("dialog", name="shot-1.png")).to_be_visible()
    bob.keyboard.press("Escape")
    expect(bob.get_by_role("button", name="shot-1.png: view the full size")).to_be_focused()

    # Alice's own message shows them too; a message may be attachments alone (no words at all).
    expect(messages(alice).filter(has_text="the new screens").locator(".attachment-image img")).to_have_count(2)
    assert alice.evaluate(_PASTE_IMAGES, [[64, 64]]) is True
    expect(alice.locator(".upload--done")).to_have_count(1)
    alice.get_by_label("Message", exact=True).press("Enter")
    expect(messages(bob)).to_have_count(2)
    alone = messages(bob).last
    expect(alone.locator(".attachment-image img")).to_have_attribute("alt", "shot-1.png")
    expect(alone.locator(".attachment-image img")).to_have_attribute("width", "64")
    expect(alone.locator(".msg-body")).to_have_text("")
    expect(bob.locator("#room-list .room-item-preview").first).to_contain_text("📎 shot-1.png")


def test_a_file_attached_with_the_button_is_a_chip_with_a_download_link(open_page):
    alice, bob = two_in_a_room(open_page)
    composer = alice.get_by_label("Message", exact=True)

    # Over the limit: refused before a byte leaves, with the reason; it can be removed.
    too_big = 10 * 1024 * 1024 + 1
    posted = []
    alice.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    with alice.expect_file_chooser() as chooser:
        alice.get_by_role("button", name="Attach files").click()
    chooser.value.set_files([{"name": "huge.bin", "mimeType": "application/octet-stream", "buffer": b"\0" * too_big}])
    expect(uploads(alice)).to_have_count(1)
    expect(uploads(alice).first.get_by_role("alert")).to_have_text("Too large: files can be at most 10 MB.")
    assert not [url for url in posted if url.endswith("/attachments/")], posted
    alice.get_by_role("button", name="Remove huge.bin").click()
    expect(uploads(alice)).to_have_count(0)
    expect(composer).to_be_focused()

    # While it uploads (the test holds the request) it shows a progress bar, and a send waits for it.
    held = []
    upload_url = re.compile(r"/attachments/$")
    alice.route(upload_url, lambda route: held.append(route))
    notes = b"Agenda\n1. lunch\n"
    with alice.expect_file_chooser() as chooser:
        alice.get_by_role("button", name="Attach files").click()
    chooser.value.set_files([{"name": "notes.txt", "mimeType": "text/plain", "buffer": notes}])
    expect(uploads(alice).first.get_by_role("progressbar")).to_be_visible()
    composer.fill("the agenda")
    composer.press("Enter")
    expect(alice.locator("#composer-error")).to_have_text(
        "Some files are still uploading. Send once they are done, or remove them."
    )
    expect(composer).to_have_value("the agenda")
    for _ in range(50):  # the held request reaches the test through Playwright's event loop
        if held:
            break
        alice.wait_for_timeout(100)
    assert len(held) == 1, held
    held[0].continue_()
    alice.unroute(upload_url)
    expect(alice.locator(".upload--done")).to_have_count(1)
    expect(uploads(alice).first.get_by_role("progressbar")).to_have_count(0)

    # A reload loses neither the words nor the finished upload.
    alice.reload()
    expect(composer).to_have_value("the agenda")
    expect(uploads(alice)).to_have_count(1)
    expect(uploads(alice).first).to_contain_text("notes.txt")
    composer.press("Enter")
    expect(composer).to_have_value("")
    expect(uploads(alice)).to_have_count(0)

    entry = messages(bob).filter(has_text="the agenda")
    link = entry.get_by_role("link", name=f"Download notes.txt ({len(notes)} bytes)")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("download", "notes.txt")
    # Dropped on the room: the room says it takes them, then they upload as any other.
    assert alice.evaluate(_DROP_FILE, "dropped.txt") == {"shown": True, "taken": True, "after": False}
    expect(uploads(alice)).to_have_count(1)
    expect(uploads(alice).first).to_contain_text("dropped.txt")
    expect(alice.locator(".upload--done")).to_have_count(1)

    with bob.expect_download() as download:
        link.click()
    path = download.value.path()
    with open(path, "rb") as saved:
        assert saved.read() == notes
