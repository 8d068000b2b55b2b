// Card review: draws each card's messages (data-messages, JSON) with the sandbox's flex.js,
// as LINE shows them. No inline scripts (the console's CSP forbids them).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const preview = (action) => {
    const note = document.getElementById("preview-action");
    if (note) note.textContent = action.type === "uri" ? "uri: " + action.uri : action.type + ": " + (action.data || action.text || "");
  };
  for (const node of document.querySelectorAll(".flex-preview[data-messages]")) {
    const messages = JSON.parse(node.dataset.messages);
    for (const message of messages) {
      const drawn = window.LineMessages.render(message, preview);
      if (window.LineMessages.isBare(message)) {
        node.appendChild(drawn);
      } else {
        const speech = document.createElement("div");
        speech.className = "review-speech";
        speech.appendChild(drawn);
        node.appendChild(speech);
      }
      const items = (message.quickReply && message.quickReply.items) || [];
      if (items.length) {
        const bar = document.createElement("div");
        bar.className = "review-quick-replies";
        for (const item of items) {
          const chip = window.LineMessages.actionElement(item.action, "review-chip", preview);
          chip.textContent = item.action.label;
          bar.appendChild(chip);
        }
        node.appendChild(bar);
      }
    }
    node.dataset.rendered = "true";
  }
});
