/* The top bar's menu button on narrow screens (tinbai.web base.html). Without this
   script the links simply stay visible. */
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".menu-button");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var open = document.body.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
});
