<!-- placeholder: being written -->
