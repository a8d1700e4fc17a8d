document.getElementById("app").textContent = "storefront";
