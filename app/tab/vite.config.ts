import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Served by the Python app under /tab/, so every asset URL carries that prefix.
export default defineConfig({
  base: "/tab/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
