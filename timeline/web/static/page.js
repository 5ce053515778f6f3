// The page at /, enhanced: the events drawn on a vis-timeline (a row per thread), and a
// day slider that hides at once what was not yet publicly known (or read otherwise
// then), and asks the server for the page of that day: each thread's state and its
// events as amended then, from one answer, so that the two always agree. Every text
// the script makes goes into the page as text (textContent, text nodes), never as
// markup; the server's page is parsed inert (DOMParser runs no script) and autoescaped.
"use strict";

(function () {
  const DAY_MS = 86400000;
  const range = document.getElementById("asof-range");
  const form = document.getElementById("asof-form");
  const dateInput = document.getElementById("asof-date");
  const shownOutput = document.getElementById("asof-shown");
  const statusLine = document.getElementById("asof-status");
  const container = document.getElementById("timeline");
  const first = range.dataset.first;
  let asked = 0; // the latest request: an earlier answer arriving late is dropped
  let pending = null;

  // Days are YYYY-MM-DD; arithmetic in UTC so a daylight-saving change never skips one.
  function dayAt(offset) {
    const [y, m, d] = first.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d) + offset * DAY_MS).toISOString().slice(0, 10);
  }
  function offsetOf(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    const [fy, fm, fd] = first.split("-").map(Number);
    return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(fy, fm - 1, fd)) / DAY_MS);
  }
  // vis-timeline draws in local time: midnight local of that day
  function localDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return new Date(y, m - 1, d);
  }
  function isoOfLocal(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // public by then, not retracted by then, and reading then as it does in this page
  function knownOn(data, iso) {
    const announced = Boolean(data.announced) && data.announced <= iso; // scheduled
    return (
      (data.known <= iso || announced) &&
      !(data.retracted && data.retracted <= iso) &&
      !(data.amended && data.amended > iso)
    );
  }

  let events = Array.from(document.querySelectorAll("li.event"));
  let sections = Array.from(document.querySelectorAll("section.thread"));
  let shownDay = document.body.dataset.shownAsof;

  function familyOf(li) {
    const found = Array.from(li.classList).find((c) => c.startsWith("family-"));
    return found || "family-other";
  }

  // An event's items: its box (or range, for an imprecise date), and for one made public
  // later a hatched bar from the end of its date to the day it became known.
  function itemsOf(li) {
    const d = li.dataset;
    const family = familyOf(li);
    const label = el("span", "item-title", li.querySelector(".title").textContent);
    const item = {
      id: `${d.thread}/${d.id}`,
      group: d.thread,
      content: label,
      start: localDate(d.start),
      known: d.known,
      announced: d.announced,
      retracted: d.retracted,
      amended: d.amended,
      className: `type-${li.querySelector(".type").textContent} ${family}`,
    };
    if (d.announced) item.className += " scheduled"; // drawn dotted: it lies ahead
    if (d.end !== d.start) {
      // an imprecise date (a month, a year) covers its days: end is exclusive
      item.type = "range";
      item.end = new Date(localDate(d.end).getTime() + DAY_MS);
    } else {
      item.type = "box";
    }
    if (d.imprecise) item.className += " imprecise";
    const made = [item];
    if (Number(d.late) > 0) {
      made.push({
        id: `${item.id}#gap`,
        event: item.id,
        group: d.thread,
        content: "",
        type: "range",
        start: new Date(localDate(d.end).getTime() + DAY_MS),
        end: new Date(localDate(d.known).getTime() + DAY_MS),
        known: d.known,
        retracted: d.retracted,
        amended: d.amended,
        className: "gap",
        title: `made public on ${d.known}, ${d.late} days later`,
      });
    }
    return made;
  }

  // The popover of an event: its list entry's texts (never markup), by the point clicked.
  const popover = document.getElementById("popover");
  function openPopover(id, x, y) {
    const [thread, eventId] = id.split("/");
    const li = document.getElementById(`event-${thread}--${eventId}`);
    if (!li || !popover) return;
    popover.replaceChildren();
    popover.className = `popover ${familyOf(li)}`;
    const close = el("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => (popover.hidden = true));
    const title = el("h3", "", li.querySelector(".title").textContent);
    title.id = "popover-title";
    popover.append(close, title);
    for (const part of li.querySelectorAll("p.meta, p.summary, p.sources")) {
      popover.append(document.adoptNode(part.cloneNode(true)));
    }
    const when = el("p", "meta", `${li.querySelector("time").textContent} · ${li.querySelector(".type").textContent}`);
    popover.insertBefore(when, title.nextSibling);
    const link = el("a", "", "In the thread's list");
    link.href = `#${li.id}`;
    const record = el("a", "", "As recorded, with its amendments (JSON)");
    record.href = `/api/v1/events/${encodeURIComponent(thread)}/${encodeURIComponent(eventId)}`;
    const links = el("p", "meta");
    links.append(link, document.createTextNode(" · "), record);
    popover.append(links);
    popover.hidden = false;
    const box = popover.getBoundingClientRect();
    popover.style.left = `${Math.max(8, Math.min(x, window.innerWidth - box.width - 8))}px`;
    popover.style.top = `${Math.max(8, Math.min(y + 12, window.innerHeight - box.height - 8))}px`;
    close.focus();
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && popover) popover.hidden = true;
  });

  function groupsOf(shown) {
    return shown.map((s, order) => ({
      id: s.dataset.thread,
      content: el("span", "group-title", s.dataset.title),
      order: order,
    }));
  }

  function buildTimeline() {
    if (typeof vis === "undefined" || !container) return null;
    const groups = new vis.DataSet(groupsOf(sections));
    const items = new vis.DataSet(events.flatMap(itemsOf));
    const visible = new vis.DataView(items, { filter: (item) => knownOn(item, shownDay) });
    container.hidden = false;
    const timeline = new vis.Timeline(container, visible, groups, {
      orientation: "top",
      stack: true,
      zoomKey: "ctrlKey",
      maxHeight: "70vh",
      margin: { item: 4 },
      groupOrder: "order",
      // the log's span, not the items' boxes: a long title would widen the view
      start: new Date(localDate(first).getTime() - 10 * DAY_MS),
      end: new Date(localDate(dayAt(Number(range.max))).getTime() + 4 * DAY_MS),
    });
    timeline.addCustomTime(localDate(shownDay), "asof");
    timeline.on("timechanged", (props) => {
      if (props.id === "asof") show(isoOfLocal(props.time));
    });
    timeline.on("click", (props) => {
      if (!props.item) {
        if (popover) popover.hidden = true;
        return;
      }
      const found = items.get(props.item);
      const id = (found && found.event) || String(props.item);
      const where = props.event && props.event.center ? props.event.center : props.event;
      openPopover(id, where ? where.x || where.clientX || 0 : 0, where ? where.y || where.clientY || 0 : 0);
    });
    return { timeline, visible, items, groups };
  }

  // The address of a day's page: the filters asked (thread, actor, type, text) kept, so
  // that a view can be shared; ``since``, for the changes counted since the day before.
  function queryFor(iso, since) {
    const params = new URLSearchParams(window.location.search);
    params.set("asof", iso);
    params.delete("since");
    if (since && since < iso) params.set("since", since);
    const hidden = document.querySelector("#filters input[name='asof']");
    if (hidden) hidden.value = iso;
    return `?${params.toString()}`;
  }

  // The page of that day, from the server: each thread's section (its state and its
  // events as amended then) takes the place of the one shown.
  async function loadDay(iso, since) {
    const mine = ++asked;
    statusLine.textContent = `Loading what was known by the end of ${iso}…`;
    try {
      const response = await fetch(`/${queryFor(iso, since)}`, {
        headers: { Accept: "text/html" },
      });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      if (mine !== asked) return;
      const glance = document.getElementById("glance");
      const freshGlance = doc.getElementById("glance");
      if (glance && freshGlance) glance.replaceWith(document.adoptNode(freshGlance));
      // the day's threads take the place of those shown: with filters, a thread may
      // come or go with the day
      const fresh = Array.from(doc.querySelectorAll("section.thread"));
      const main = document.querySelector("main");
      const place = sections.length ? sections[0] : null;
      for (const section of fresh) main.insertBefore(document.adoptNode(section), place);
      for (const section of sections) section.remove();
      sections = Array.from(document.querySelectorAll("section.thread"));
      events = Array.from(document.querySelectorAll("li.event"));
      if (drawn) {
        drawn.groups.clear();
        drawn.groups.add(groupsOf(sections));
        drawn.items.clear();
        drawn.items.add(events.flatMap(itemsOf));
      }
      document.body.dataset.shownAsof = iso;
      statusLine.textContent = `Showing what was publicly known by the end of ${iso}.`;
    } catch (error) {
      if (mine === asked) statusLine.textContent = `Could not load ${iso}: ${error.message}.`;
    }
  }

  let drawn = null;

  // Move the page to a day: at once for the events, after a pause for the states (a
  // held arrow key asks the server once, not once a day).
  let loadedDay = document.body.dataset.shownAsof; // the day whose states are shown
  function show(asked) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asked)) return;
    // as the server does: no day after today, whose state could show what is not public
    const iso = dateInput.max && asked > dateInput.max ? dateInput.max : asked;
    shownDay = iso;
    range.value = String(offsetOf(iso));
    range.setAttribute("aria-valuetext", iso);
    shownOutput.textContent = iso;
    dateInput.value = iso;
    document.title = `timeline: as publicly known on ${iso}`;
    for (const li of events) li.hidden = !knownOn(li.dataset, iso);
    if (drawn) {
      drawn.visible.refresh();
      drawn.timeline.setCustomTime(localDate(iso), "asof");
    }
    history.replaceState(null, "", queryFor(iso));
    clearTimeout(pending);
    pending = setTimeout(() => {
      const since = loadedDay;
      loadedDay = iso;
      loadDay(iso, since);
    }, 150);
  }

  range.addEventListener("input", () => show(dayAt(Number(range.value))));
  dateInput.addEventListener("change", () => show(dateInput.value));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(dateInput.value);
  });
  document.getElementById("asof-slider").hidden = false;
  drawn = buildTimeline();
})();
