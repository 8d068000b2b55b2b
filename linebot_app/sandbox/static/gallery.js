/* The card gallery: draws each card's messages (embedded in the page) with flex.js.
   Buttons do not talk to the bot here; they say what they would do. */
(function () {
  "use strict";

  function toast(message) {
    const node = document.getElementById("toast");
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 3500);
  }

  function describe(action, node, options) {
    if (action.type === "uri") {
      if (!(options && options.followedLink) && !/^tel:/i.test(action.uri)) {
        window.open(action.uri, "_blank", "noopener");
      }
      toast("uri: " + action.uri);
    } else if (action.type === "postback") {
      toast("postback: " + action.data + (action.displayText ? " · shows “" + action.displayText + "”" : ""));
    } else if (action.type === "message") {
      toast("message: " + action.text);
    } else {
      toast(action.type + ": " + JSON.stringify(action));
    }
  }

  const cards = JSON.parse(document.getElementById("gallery-data").textContent);
  document.querySelectorAll(".gallery-chat").forEach((chat) => {
    const messages = cards[Number(chat.dataset.index)] || [];
    messages.forEach((message) => {
      const drawn = window.LineMessages.render(message, describe);
      if (window.LineMessages.isBare(message)) {
        chat.appendChild(drawn);
      } else {
        const speech = document.createElement("div");
        speech.className = "speech speech-in";
        speech.appendChild(drawn);
        chat.appendChild(speech);
      }
      const items = (message.quickReply && message.quickReply.items) || [];
      if (items.length) {
        const bar = document.createElement("div");
        bar.className = "quick-replies";
        items.forEach((item) => {
          const chip = window.LineMessages.actionElement(item.action, "chip", describe);
          chip.textContent = item.action.label;
          bar.appendChild(chip);
        });
        chat.appendChild(bar);
      }
    });
  });
})();
