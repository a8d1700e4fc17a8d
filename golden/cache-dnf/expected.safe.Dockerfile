FROM fedora:40
RUN dnf install -y httpd \
    && dnf -y install mod_ssl \
    && dnf clean all && rm -rf /var/cache/dnf
