// First script of the H5P player page, which runs in an opaque-origin sandbox (no cookies, no
// storage of the site): H5P core reads localStorage (a user id, its clipboard), which throws
// there, so it gets a store in memory that lives as long as the page.
(function () {
  "use strict";
  function MemoryStorage() { this._items = Object.create(null); }
  MemoryStorage.prototype = {
    get length() { return Object.keys(this._items).length; },
    key: function (index) { var keys = Object.keys(this._items); return index < keys.length ? keys[index] : null; },
    getItem: function (key) { key = String(key); return key in this._items ? this._items[key] : null; },
    setItem: function (key, value) { this._items[String(key)] = String(value); },
    removeItem: function (key) { delete this._items[String(key)]; },
    clear: function () { this._items = Object.create(null); }
  };
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      window[name].length; // eslint-disable-line no-unused-expressions
    } catch (e) {
      Object.defineProperty(window, name, { value: new MemoryStorage(), configurable: true });
    }
  });
})();
