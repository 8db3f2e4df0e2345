"""Tool: pictures of trees (graph model, layout, HTML, DOT, Mermaid)."""
