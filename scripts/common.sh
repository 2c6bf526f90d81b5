# Helpers sourced by the test scripts (not run on its own).

# Runs a command as root: directly when already root, else through sudo; fails saying what needed root otherwise.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "$(basename "$0"): '$*' needs root: run as root, or install sudo and run as a user allowed to use it" >&2
        return 1
    fi
}

# Installs those of the given Debian packages that are missing (apt-get update first), non-interactively.
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    echo "$(basename "$0"): installing ${missing[*]} with apt-get" >&2
    # env sets the variable on root's side: sudo resets the environment.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
