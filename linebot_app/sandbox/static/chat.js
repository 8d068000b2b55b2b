/* The sandbox chat page: two phones (patient, staff group) drawing the fake LINE platform's
   timelines, and every tap or message sent back as a webhook event through /sandbox/api. */
(function () {
  "use strict";

  const API = "/sandbox/api";
  const POLL_SECONDS = 15;
  const PICKER_TYPES = { date: "date", time: "time", datetime: "datetime-local" };
  const state = { cursor: 0, apiCursor: 0, patientChat: "", names: {}, bot: {}, panes: {} };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function toast(message) {
    const node = document.getElementById("toast");
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 3500);
  }

  async function post(path, body) {
    const response = await fetch(API + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      toast("Not sent: " + ((answer.problems || []).join("; ") || response.status));
    }
    return response.ok;
  }

  function clockTime(ms) {
    const options = { hour: "numeric", minute: "2-digit" };
    if (state.timeZone) options.timeZone = state.timeZone;
    return new Date(ms).toLocaleTimeString("zh-TW", options);
  }

  function isCarousel(message) {
    const inner = message.contents || message.template || {};
    return ["carousel", "image_carousel"].includes(inner.type);
  }

  // --- one phone --------------------------------------------------------------------------
  class Pane {
    constructor(root) {
      this.root = root;
      this.name = root.dataset.pane;
      this.log = root.querySelector(".chat-log");
      this.quick = root.querySelector(".quick-replies");
      this.composer = root.querySelector(".composer");
      this.input = root.querySelector(".composer-input");
      this.picker = root.querySelector(".picker");
      this.lastRow = null;
      this.typing = null;
      this.composer.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = this.input.value;
        if (!text.trim()) return;
        this.input.value = "";
        this.sendText(text);
      });
      root.querySelector(".composer-icon.sticker").addEventListener("click", () => {
        this.hideQuickReplies();
        post("/sticker", { pane: this.name, packageId: "446", stickerId: "1988" });
      });
      this.picker.querySelector(".picker-cancel").addEventListener("click", () => this.closePicker());
      this.picker.querySelector(".picker-ok").addEventListener("click", () => this.confirmPicker());
    }

    get isGroup() { return this.name === "staff"; }

    sendText(text) {
      this.hideQuickReplies();
      return post("/text", { pane: this.name, text: text });
    }

    clear() {
      this.log.replaceChildren();
      this.lastRow = null;
      this.hideQuickReplies();
    }

    // What a person in this pane does with an action (button, quick reply, menu area...).
    perform(action, source, options) {
      const followed = options && options.followedLink;
      switch (action.type) {
        case "message":
          this.sendText(action.text);
          break;
        case "postback":
          this.hideQuickReplies();
          post("/postback", { pane: this.name, data: action.data,
            displayText: action.displayText || action.text || undefined });
          if (action.inputOption) this.applyInputOption(action);
          break;
        case "datetimepicker":
          this.openPicker(action);
          break;
        case "uri":
          if (/^tel:/i.test(action.uri)) toast("📞 " + action.uri);
          else if (!followed) window.open(action.uri, "_blank", "noopener");
          break;
        case "clipboard":
          navigator.clipboard && navigator.clipboard.writeText(action.clipboardText);
          toast("已複製 copied: " + action.clipboardText);
          break;
        default:
          toast("The sandbox cannot do a “" + action.type + "” action (a phone would).");
      }
    }

    applyInputOption(action) {
      if (action.inputOption === "openKeyboard" && this.menu) this.menu.showKeyboard();
      if (action.inputOption === "openKeyboard" && action.fillInText) this.input.value = action.fillInText;
      if (action.inputOption === "openRichMenu" && this.menu) this.menu.showMenu(true);
      if (action.inputOption === "closeRichMenu" && this.menu) this.menu.showMenu(false);
    }

    // --- datetimepicker: LINE's picker sheet, honouring min and max ---
    openPicker(action) {
      const mode = PICKER_TYPES[action.mode] ? action.mode : "datetime";
      const input = this.picker.querySelector(".picker-input");
      input.type = PICKER_TYPES[mode];
      input.min = action.min || "";
      input.max = action.max || "";
      input.value = action.initial || "";
      this.picker.querySelector(".picker-title").textContent = action.label || "選擇日期時間";
      const range = [action.min && "最早 " + action.min.replace("T", " "),
        action.max && "最晚 " + action.max.replace("T", " ")].filter(Boolean).join(" · ");
      this.picker.querySelector(".picker-hint").textContent = range;
      this.pickerAction = Object.assign({}, action, { mode: mode });
      this.picker.hidden = false;
      input.focus();
    }

    closePicker() {
      this.picker.hidden = true;
      this.pickerAction = null;
    }

    confirmPicker() {
      const input = this.picker.querySelector(".picker-input");
      const action = this.pickerAction;
      if (!action) return;
      if (!input.value) { toast("請選擇日期時間 Please pick a value"); return; }
      if (input.validity.rangeUnderflow || input.validity.rangeOverflow || !input.checkValidity()) {
        const bound = (value) => (value || "…").replace("T", " ");
        toast("超出可選範圍 Outside the allowed range " + bound(input.min) + " – " + bound(input.max));
        return;
      }
      const params = {};
      params[action.mode] = input.value.slice(0, action.mode === "datetime" ? 16 : undefined);
      this.closePicker();
      this.hideQuickReplies();
      post("/postback", { pane: this.name, data: action.data, params: params });
    }

    // --- drawing the timeline ---
    add(entry) {
      const message = entry.message || {};
      if (entry.kind === "loading") { this.showTyping(message.loadingSeconds || 20); return; }
      if (entry.kind === "notice") { this.note(message.text, "notice"); return; }
      if (entry.kind === "event") { this.note(this.eventText(entry), "event"); return; }
      if (entry.sender === "bot") { this.hideTyping(); this.addBot(message, entry); return; }
      if (entry.kind === "postback") {
        if (message.displayText) this.addOwn({ type: "text", text: message.displayText }, entry);
        return;
      }
      if (this.isGroup && entry.userId !== state.staffUser) this.addOther(message, entry);
      else this.addOwn(message, entry);
    }

    eventText(entry) {
      const bot = state.bot.name || "bot";
      const type = (entry.message || {}).type;
      if (type === "follow") return "您已將 " + bot + " 加入好友";
      if (type === "unfollow") return "您已封鎖 " + bot;
      if (type === "join") return bot + " 已加入群組";
      return type;
    }

    note(text, kind) {
      const row = el("div", "row row-note");
      row.appendChild(el("div", "note note-" + kind, text));
      this.append(row, null);
    }

    addBot(message, entry) {
      const continued = this.lastRow && this.lastRow.dataset.from === "bot";
      const row = el("div", "row row-in" + (continued ? " continued" : ""));
      if (isCarousel(message)) row.classList.add("row-wide");
      row.dataset.from = "bot";
      row.dataset.sender = "bot";
      const avatar = el("div", "avatar", continued ? "" : (state.bot.name || "B").slice(0, 1));
      row.appendChild(avatar);
      const column = el("div", "row-body");
      if (this.isGroup && !continued) column.appendChild(el("div", "sender", state.bot.name));
      column.appendChild(this.content(message, "in"));
      row.appendChild(column);
      row.appendChild(el("time", "stamp", clockTime(entry.at)));
      this.append(row, message);
    }

    addOther(message, entry) {
      const row = el("div", "row row-in");
      row.dataset.from = entry.userId || "other";
      row.appendChild(el("div", "avatar avatar-person", "👤"));
      const column = el("div", "row-body");
      column.appendChild(el("div", "sender", state.names[entry.userId] || "member"));
      column.appendChild(this.content(message, "in"));
      row.appendChild(column);
      row.appendChild(el("time", "stamp", clockTime(entry.at)));
      this.append(row, message);
    }

    addOwn(message, entry) {
      const row = el("div", "row row-out");
      row.dataset.from = "me";
      row.dataset.sender = "user";
      const meta = el("div", "stamp");
      meta.appendChild(el("span", "read", this.isGroup ? "已讀 2" : "已讀"));
      meta.appendChild(el("time", null, clockTime(entry.at)));
      row.appendChild(meta);
      row.appendChild(this.content(message, "out"));
      this.append(row, null);
    }

    content(message, direction) {
      const drawn = window.LineMessages.render(message, (action, node, options) =>
        this.perform(action, node, options));
      if (window.LineMessages.isBare(message)) {
        const wrapper = el("div", "bare");
        wrapper.dataset.type = message.type;
        wrapper.appendChild(drawn);
        return wrapper;
      }
      const bubble = el("div", "speech speech-" + direction);
      bubble.dataset.type = message.type;
      bubble.appendChild(drawn);
      return bubble;
    }

    append(row, message) {
      row.classList.add("msg");
      this.log.appendChild(row);
      this.lastRow = row;
      if (message && message.quickReply) this.showQuickReplies(message.quickReply.items || []);
      else this.hideQuickReplies();
      this.log.scrollTop = this.log.scrollHeight;
    }

    showTyping(seconds) {
      this.hideTyping();
      const row = el("div", "row row-in typing");
      row.appendChild(el("div", "avatar", (state.bot.name || "B").slice(0, 1)));
      const dots = el("div", "speech speech-in dots");
      dots.append(el("i"), el("i"), el("i"));
      row.appendChild(dots);
      this.log.appendChild(row);
      this.typing = row;
      this.log.scrollTop = this.log.scrollHeight;
      setTimeout(() => { if (this.typing === row) this.hideTyping(); }, seconds * 1000);
    }

    hideTyping() {
      if (this.typing) this.typing.remove();
      this.typing = null;
    }

    // --- quick replies: under the last message, gone once anything is sent ---
    showQuickReplies(items) {
      this.quick.replaceChildren();
      items.forEach((item) => {
        const action = item.action || {};
        const chip = window.LineMessages.actionElement(action, "chip", (a, node, options) =>
          this.perform(a, node, options));
        if (item.imageUrl) {
          const icon = el("img", "chip-icon");
          icon.src = item.imageUrl;
          icon.alt = "";
          chip.appendChild(icon);
        }
        chip.appendChild(document.createTextNode(action.label || action.type));
        this.quick.appendChild(chip);
      });
      this.quick.hidden = items.length === 0;
    }

    hideQuickReplies() {
      this.quick.hidden = true;
      this.quick.replaceChildren();
    }
  }

  // --- the rich menu under the patient's chat -------------------------------------------------
  class RichMenu {
    constructor(pane, spec) {
      this.pane = pane;
      this.root = pane.root.querySelector(".rich-menu");
      this.bar = pane.root.querySelector(".menu-bar");
      const menu = spec.menu;
      this.root.replaceChildren();
      this.root.title = "rich menu: " + spec.source;
      const image = el("img", "rich-menu-image");
      image.src = spec.imageUrl;
      image.alt = menu.chatBarText;
      this.root.appendChild(image);
      (menu.areas || []).forEach((area) => {
        const b = area.bounds;
        const action = area.action || {};
        const spot = el("button", "rich-menu-area");
        spot.type = "button";
        spot.setAttribute("aria-label", action.label || action.type);
        spot.style.left = (100 * b.x) / menu.size.width + "%";
        spot.style.top = (100 * b.y) / menu.size.height + "%";
        spot.style.width = (100 * b.width) / menu.size.width + "%";
        spot.style.height = (100 * b.height) / menu.size.height + "%";
        spot.addEventListener("click", () => pane.perform(action, spot));
        this.root.appendChild(spot);
      });
      this.bar.querySelector(".menu-label").textContent = menu.chatBarText;
      this.bar.querySelector(".menu-toggle").addEventListener("click", () =>
        this.showMenu(this.root.hidden));
      this.bar.querySelector(".to-keyboard").addEventListener("click", () => this.showKeyboard());
      pane.root.querySelector(".to-menu").addEventListener("click", () => this.showMenu(true));
      pane.root.querySelector(".to-menu").hidden = false;
      this.showMenu(menu.selected !== false);
    }

    showMenu(open) {
      this.pane.composer.hidden = true;
      this.bar.hidden = false;
      this.root.hidden = !open;
      this.bar.classList.toggle("open", open);
    }

    showKeyboard() {
      this.root.hidden = true;
      this.bar.hidden = true;
      this.pane.composer.hidden = false;
      this.pane.input.focus();
    }
  }

  // --- talking to the sandbox -----------------------------------------------------------------
  function showApiErrors(errors, schemaErrors) {
    if (!errors.length) return;
    const node = document.getElementById("api-errors");
    node.textContent = "LINE refused a call from the bot: " + errors.join(", ") +
      (schemaErrors.length ? " — " + schemaErrors.join(" | ") : "");
    node.hidden = false;
  }

  function absorb(data) {
    state.names = data.names || state.names;
    state.staffUser = data.staff.userId;
    if (data.patient.chatId !== state.patientChat) {
      if (state.patientChat) state.panes.patient.clear();
      state.patientChat = data.patient.chatId;
      document.body.dataset.patient = state.patientChat;
    }
    (data.entries || []).forEach((entry) => state.panes[entry.pane].add(entry));
    state.cursor = data.cursor;
    state.apiCursor = data.apiCursor;
    showApiErrors(data.apiErrors || [], data.schemaErrors || []);
  }

  async function poll(wait) {
    const query = "?after=" + state.cursor + "&api=" + state.apiCursor + "&wait=" + wait +
      "&patient=" + encodeURIComponent(state.patientChat);
    const response = await fetch(API + "/timeline" + query);
    if (!response.ok) throw new Error("timeline " + response.status);
    absorb(await response.json());
  }

  async function pollForever() {
    let failures = 0;
    for (;;) {
      try {
        await poll(POLL_SECONDS);
        failures = 0;
        document.body.classList.remove("offline");
      } catch (error) {
        failures += 1;
        document.body.classList.add("offline");
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * failures)));
      }
    }
  }

  function describeWiring(data) {
    const node = document.getElementById("wiring");
    node.textContent = "Each message is a webhook event signed with the local channel secret and " +
      "POSTed to " + data.callbackUrl + "; the bot answers through the LINE API at " +
      data.apiBaseUrl + " (the fake LINE platform in this app). Rich menu: " +
      (data.richMenu ? data.richMenu.source : "none") + ".";
  }

  async function start() {
    document.querySelectorAll(".phone").forEach((root) => {
      state.panes[root.dataset.pane] = new Pane(root);
    });
    document.getElementById("new-patient").addEventListener("click", () => post("/patients"));
    const response = await fetch(API + "/state");
    const data = await response.json();
    state.bot = data.bot;
    state.timeZone = data.timeZone;
    state.patientChat = data.patient.chatId;
    document.body.dataset.patient = state.patientChat;
    state.names = data.names;
    state.staffUser = data.staff.userId;
    if (data.richMenu) state.panes.patient.menu = new RichMenu(state.panes.patient, data.richMenu);
    describeWiring(data);
    await poll(0);
    document.body.dataset.ready = "true";
    pollForever();
  }

  start().catch((error) => toast("Sandbox failed to start: " + error));
})();
