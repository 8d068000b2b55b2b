/* LINE message objects drawn as LINE draws them: Flex bubbles and carousels, text, sticker,
   location, image and template messages. No dependencies; used by the chat page and the gallery.

   LineMessages.render(message, onAction) returns a DOM node. Every tappable part calls
   onAction(action) (URI actions are real links as well). Sizes follow LINE's Flex renderer. */
(function () {
  "use strict";

  const FONT = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
  const SPACE = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const IMAGE = { xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, "3xl": 180,
    "4xl": 200, "5xl": 220, full: "100%" };
  const BUBBLE = { nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 386 };
  const RADIUS = { nano: 10, micro: 10, deca: 10, hecto: 10, kilo: 10, mega: 17, giga: 5 };
  const BORDER = { none: 0, light: 0.5, normal: 1, medium: 2, semibold: 3, bold: 4 };
  const CORNER = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const SEPARATOR = "#d4d6da";
  // Default block paddings by bubble size: [header, body, body above a footer, footer].
  const PADDING = {
    big: ["20px", "19px 20px 20px", "10px", "10px"],
    kilo: ["13px", "13px", "17px", "10px"],
    mid: ["11px 14px 13px", "11px 14px 13px", "17px", "10px"],
    small: ["10px", "10px", "10px", "10px"],
  };
  const PADDING_OF = { giga: "big", mega: "big", kilo: "kilo", hecto: "mid", deca: "mid",
    micro: "small", nano: "small" };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** A LINE length: keyword from `table`, "12px", "50%" or a number of px; null if unset. */
  function length(value, table) {
    if (value === undefined || value === null) return null;
    if (typeof value === "number") return value + "px";
    if (table && Object.prototype.hasOwnProperty.call(table, value)) {
      const found = table[value];
      return typeof found === "number" ? found + "px" : found;
    }
    return /^-?\d+(\.\d+)?(px|%)$/.test(value) ? value : null;
  }

  function set(node, property, value) {
    if (value !== null && value !== undefined) node.style[property] = value;
  }

  function makeTappable(node, action, onAction) {
    if (!action) return node;
    node.classList.add("lm-tappable");
    node.tabIndex = 0;
    node.setAttribute("role", action.type === "uri" ? "link" : "button");
    if (action.label) node.setAttribute("aria-label", action.label);
    node.dataset.actionType = action.type;
    const fire = (event) => {
      event.stopPropagation();
      onAction(action, node);
    };
    node.addEventListener("click", fire);
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") fire(event);
    });
    return node;
  }

  /** A button or link element for an action (URI actions become <a>, tel: stays tel:). */
  function actionElement(action, className, onAction) {
    let node;
    if (action && action.type === "uri") {
      node = el("a", className);
      node.href = action.uri;
      if (!/^tel:/i.test(action.uri)) {
        node.target = "_blank";
        node.rel = "noopener noreferrer";
      }
      node.title = action.uri;
      node.addEventListener("click", (event) => {
        event.stopPropagation();
        onAction(action, node, { followedLink: true });
      });
    } else {
      node = el("button", className);
      node.type = "button";
      node.addEventListener("click", (event) => {
        event.stopPropagation();
        if (action) onAction(action, node);
      });
    }
    if (action) node.dataset.actionType = action.type;
    return node;
  }

  // --- flex components ----------------------------------------------------------------------
  function component(c, parent, onAction) {
    switch (c.type) {
      case "box": return box(c, onAction);
      case "text": return text(c, onAction);
      case "button": return button(c, onAction);
      case "image": return image(c, onAction);
      case "icon": return icon(c);
      case "separator": return separator(c, parent);
      case "spacer": return spacer(c, parent);
      case "filler": return el("div", "lm-filler");
      case "video": return video(c, onAction);
      default: return el("div", "lm-unknown", "[" + c.type + "]");
    }
  }

  /** How a child sits in its parent box: flex, spacing or margin, absolute position. */
  function placeChild(node, c, parent, index) {
    const horizontal = parent.layout !== "vertical";
    const fixed = ["separator", "spacer", "icon"].includes(c.type);
    if (c.type === "filler") {
      node.style.flex = (c.flex === undefined ? 1 : c.flex) + " 0 0";
    } else if (fixed) {
      node.style.flex = "none";
    } else if (horizontal) {
      node.style.flex = c.flex === 0 ? "0 0 auto" : (c.flex === undefined ? 1 : c.flex) + " 0 0";
      if (c.flex !== 0) node.style.minWidth = "0";
    } else {
      node.style.flex = c.flex ? c.flex + " 0 auto" : "0 0 auto";
    }
    const side = horizontal ? "marginLeft" : "marginTop";
    const absolute = c.position === "absolute";
    let gap = null;
    if (c.margin !== undefined) gap = length(c.margin, SPACE);
    else if (index > 0 && parent.spacing && !["filler", "spacer"].includes(c.type)) {
      gap = length(parent.spacing, SPACE);
    }
    if (gap && !absolute) node.style[side] = gap;
    if (absolute) node.style.position = "absolute";
    else if (c.position === "relative") node.style.position = "relative";
    set(node, "top", length(c.offsetTop, SPACE));
    set(node, "bottom", length(c.offsetBottom, SPACE));
    set(node, "left", length(c.offsetStart, SPACE));
    set(node, "right", length(c.offsetEnd, SPACE));
    if (c.alignSelf) node.style.alignSelf = c.alignSelf;
  }

  function box(c, onAction) {
    const node = el("div", "lm-box lm-" + (c.layout || "vertical"));
    const layout = c.layout || "vertical";
    node.style.flexDirection = layout === "vertical" ? "column" : "row";
    if (layout === "baseline") node.style.alignItems = "baseline";
    set(node, "backgroundColor", c.backgroundColor);
    if (c.background && c.background.type === "linearGradient") {
      const g = c.background;
      const stops = [g.startColor, g.centerColor && g.centerColor + " " + (g.centerPosition || "50%"),
        g.endColor].filter(Boolean);
      node.style.backgroundImage = "linear-gradient(" + (g.angle || "0deg") + ", " + stops.join(", ") + ")";
    }
    const border = length(c.borderWidth, BORDER);
    if (border || c.borderColor) {
      node.style.borderStyle = "solid";
      node.style.borderWidth = border || "1px";
      node.style.borderColor = c.borderColor || "#000000";
    }
    set(node, "borderRadius", length(c.cornerRadius, CORNER));
    set(node, "padding", length(c.paddingAll, SPACE));
    set(node, "paddingTop", length(c.paddingTop, SPACE));
    set(node, "paddingBottom", length(c.paddingBottom, SPACE));
    set(node, "paddingLeft", length(c.paddingStart, SPACE));
    set(node, "paddingRight", length(c.paddingEnd, SPACE));
    set(node, "width", length(c.width));
    set(node, "maxWidth", length(c.maxWidth));
    set(node, "height", length(c.height));
    set(node, "maxHeight", length(c.maxHeight));
    set(node, "justifyContent", c.justifyContent);
    set(node, "alignItems", c.alignItems);
    (c.contents || []).forEach((child, index) => {
      const childNode = component(child, c, onAction);
      placeChild(childNode, child, c, index);
      node.appendChild(childNode);
    });
    return makeTappable(node, c.action, onAction);
  }

  function styleText(node, c) {
    set(node, "fontSize", length(c.size, FONT));
    set(node, "color", c.color);
    if (c.weight === "bold") node.style.fontWeight = "700";
    if (c.style === "italic") node.style.fontStyle = "italic";
    if (c.decoration && c.decoration !== "none") node.style.textDecoration = c.decoration;
  }

  function text(c, onAction) {
    const node = el("div", "lm-text");
    node.style.fontSize = length(c.size || "md", FONT) || "16px";
    const p = el("p", c.wrap ? "lm-wrap" : "lm-nowrap");
    styleText(p, Object.assign({}, c, { size: undefined }));
    if (!c.color) p.style.color = "#111111";
    if (c.contents && c.contents.length) {
      c.contents.forEach((span) => {
        const s = el("span", "lm-span", span.text);
        styleText(s, span);
        p.appendChild(s);
      });
    } else {
      p.textContent = c.wrap ? c.text : String(c.text || "").replace(/\n/g, " ");
    }
    p.style.textAlign = { start: "left", end: "right", center: "center" }[c.align] || "left";
    if (c.wrap && c.maxLines) {
      p.classList.add("lm-clamp");
      p.style.webkitLineClamp = String(c.maxLines);
    }
    if (c.lineSpacing) p.style.lineHeight = "calc(1.4em + " + length(c.lineSpacing) + ")";
    node.style.justifyContent = { center: "center", bottom: "flex-end" }[c.gravity] || "flex-start";
    node.appendChild(p);
    return makeTappable(node, c.action, onAction);
  }

  function button(c, onAction) {
    const node = el("div", "lm-button");
    const style = c.style || "link";
    const control = actionElement(c.action, "lm-button-control lm-" + style, onAction);
    control.appendChild(el("span", "lm-button-label", c.action && c.action.label));
    if (c.action && c.action.label) control.setAttribute("aria-label", c.action.label);
    control.style.height = c.height === "sm" ? "40px" : "52px";
    if (style === "primary") {
      control.style.backgroundColor = c.color || "#17c950";
      control.style.color = "#ffffff";
    } else if (style === "secondary") {
      control.style.backgroundColor = c.color || "#dcdfe5";
      control.style.color = "#111111";
    } else {
      control.style.color = c.color || "#42659a";
    }
    node.style.justifyContent = { center: "center", bottom: "flex-end" }[c.gravity] || "flex-start";
    node.appendChild(control);
    return node;
  }

  function ratio(value) {
    const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(value || "1:1");
    return match ? (Number(match[2]) / Number(match[1])) * 100 : 100;
  }

  function image(c, onAction) {
    const node = el("div", "lm-image");
    node.style.alignItems = { start: "flex-start", end: "flex-end" }[c.align] || "center";
    const frame = el("div", "lm-image-frame");
    frame.style.width = length(c.size || "md", IMAGE) || "100px";
    const sizer = el("div", "lm-image-sizer");
    sizer.style.paddingBottom = ratio(c.aspectRatio) + "%";
    const picture = el("span", "lm-image-picture");
    picture.setAttribute("role", "img");
    picture.setAttribute("aria-label", c.altText || "image");
    picture.style.backgroundImage = "url(" + JSON.stringify(String(c.url || "")) + ")";
    picture.style.backgroundSize = c.aspectMode === "cover" ? "cover" : "contain";
    set(picture, "backgroundColor", c.backgroundColor);
    sizer.appendChild(picture);
    frame.appendChild(sizer);
    node.appendChild(frame);
    return makeTappable(node, c.action, onAction);
  }

  function icon(c) {
    const node = el("div", "lm-icon");
    node.style.fontSize = length(c.size || "md", FONT) || "16px";
    const picture = el("span", "lm-icon-picture");
    picture.style.backgroundImage = "url(" + JSON.stringify(String(c.url || "")) + ")";
    const match = /^(\d+):(\d+)$/.exec(c.aspectRatio || "1:1");
    if (match) picture.style.width = Number(match[1]) / Number(match[2]) + "em";
    node.appendChild(picture);
    return node;
  }

  function separator(c, parent) {
    const vertical = parent.layout !== "vertical";
    const node = el("div", vertical ? "lm-separator lm-separator-v" : "lm-separator");
    node.style[vertical ? "borderLeft" : "borderTop"] = "1px solid " + (c.color || SEPARATOR);
    return node;
  }

  function spacer(c, parent) {
    const node = el("div", "lm-spacer");
    const size = length(c.size || "md", SPACE);
    node.style[parent.layout === "vertical" ? "height" : "width"] = size;
    return node;
  }

  function video(c, onAction) {
    if (c.altContent) return component(c.altContent, { layout: "vertical" }, onAction);
    return image({ url: c.previewUrl, size: "full", aspectRatio: c.aspectRatio, aspectMode: "cover" },
      onAction);
  }

  // --- containers ---------------------------------------------------------------------------
  function bubble(b, onAction, inCarousel) {
    const size = b.size || "mega";
    const node = el("div", "lm-bubble lm-size-" + size);
    node.style.width = BUBBLE[size] + "px";
    node.style.borderRadius = RADIUS[size] + "px";
    node.dir = b.direction === "rtl" ? "rtl" : "ltr";
    const pad = PADDING[PADDING_OF[size]];
    const styles = b.styles || {};
    let first = true;
    ["header", "hero", "body", "footer"].forEach((name) => {
      const content = b[name];
      if (!content) return;
      const block = el("div", "lm-block lm-" + name);
      const blockStyle = styles[name] || {};
      set(block, "backgroundColor", blockStyle.backgroundColor);
      if (blockStyle.separator && !first) {
        block.style.borderTop = "1px solid " + (blockStyle.separatorColor || SEPARATOR);
      }
      const inner = component(content, { layout: "vertical" }, onAction);
      if (content.type === "box") {
        const padding = { header: pad[0], body: pad[1], footer: pad[3] }[name];
        if (padding && !hasPadding(content)) {
          inner.style.padding = padding;
          if (name === "body" && b.footer) inner.style.paddingBottom = pad[2];
        }
      }
      if (name === "body") block.style.flex = "1 0 auto";
      block.appendChild(inner);
      node.appendChild(block);
      first = false;
    });
    if (inCarousel) node.style.flex = "none";
    return makeTappable(node, b.action, onAction);
  }

  function hasPadding(content) {
    return ["paddingAll", "paddingTop", "paddingBottom", "paddingStart", "paddingEnd"]
      .some((key) => content[key] !== undefined);
  }

  function carousel(c, onAction) {
    const node = el("div", "lm-carousel");
    node.setAttribute("role", "group");
    (c.contents || []).forEach((b) => node.appendChild(bubble(b, onAction, true)));
    return node;
  }

  function flex(message, onAction) {
    const contents = message.contents || {};
    const node = contents.type === "carousel" ? carousel(contents, onAction) : bubble(contents, onAction);
    node.dataset.altText = message.altText || "";
    return node;
  }

  // --- other message types ------------------------------------------------------------------
  const URL_PATTERN = /(https?:\/\/[^\s<>"]+)/g;

  function linkified(textValue) {
    const node = el("div", "lm-text-message");
    String(textValue).split(URL_PATTERN).forEach((part, index) => {
      if (index % 2 === 1) {
        const link = el("a", null, part);
        link.href = part;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        node.appendChild(link);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
    return node;
  }

  function sticker(message) {
    const node = el("div", "lm-sticker");
    const picture = el("img");
    picture.alt = "sticker " + message.packageId + "/" + message.stickerId;
    picture.src = "https://stickershop.line-scdn.net/stickershop/v1/sticker/" +
      encodeURIComponent(message.stickerId) + "/android/sticker.png";
    picture.addEventListener("error", () => {
      picture.replaceWith(el("div", "lm-sticker-fallback", "🐻"));
    });
    node.appendChild(picture);
    return node;
  }

  function location(message, onAction) {
    const node = el("div", "lm-location");
    const map = el("div", "lm-location-map");
    map.appendChild(el("span", "lm-location-pin", "📍"));
    node.appendChild(map);
    node.appendChild(el("div", "lm-location-title", message.title));
    node.appendChild(el("div", "lm-location-address", message.address));
    const query = message.latitude + "," + message.longitude;
    const uri = "https://www.google.com/maps/search/?api=1&query=" + encodeURIComponent(query);
    return makeTappable(node, { type: "uri", uri: uri, label: message.title }, onAction);
  }

  function picture(message) {
    const node = el("img", "lm-image-message");
    node.src = message.previewImageUrl || message.originalContentUrl;
    node.alt = "image";
    return node;
  }

  function template(message, onAction) {
    const t = message.template || {};
    if (t.type === "carousel" || t.type === "image_carousel") {
      const node = el("div", "lm-carousel");
      (t.columns || []).forEach((column) => node.appendChild(
        templateCard(Object.assign({ type: "buttons" }, column), onAction)));
      return node;
    }
    return templateCard(t, onAction);
  }

  function templateCard(t, onAction) {
    const node = el("div", "lm-template lm-template-" + t.type);
    if (t.thumbnailImageUrl) {
      const thumb = el("div", "lm-template-thumb");
      thumb.style.backgroundImage = "url(" + JSON.stringify(t.thumbnailImageUrl) + ")";
      node.appendChild(thumb);
    }
    if (t.title) node.appendChild(el("div", "lm-template-title", t.title));
    if (t.text) node.appendChild(el("div", "lm-template-text", t.text));
    const actions = el("div", "lm-template-actions");
    (t.actions || []).forEach((action) => {
      const control = actionElement(action, "lm-template-action", onAction);
      control.textContent = action.label || action.type;
      actions.appendChild(control);
    });
    node.appendChild(actions);
    return node;
  }

  function render(message, onAction) {
    const act = onAction || function () {};
    switch (message.type) {
      case "text": return linkified(message.text);
      case "flex": return flex(message, act);
      case "sticker": return sticker(message);
      case "location": return location(message, act);
      case "image": return picture(message);
      case "template": return template(message, act);
      default:
        return el("div", "lm-text-message lm-unsupported",
          message.altText || "[" + message.type + " message]");
    }
  }

  /** Whether a message is drawn without a speech bubble around it (cards, stickers...). */
  function isBare(message) {
    return ["flex", "sticker", "image", "template", "location"].includes(message.type);
  }

  window.LineMessages = { render: render, isBare: isBare, actionElement: actionElement };
})();
